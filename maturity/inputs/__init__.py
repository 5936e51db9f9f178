"""What scores are made from, and a version that changes with every write to it (``services``)."""
