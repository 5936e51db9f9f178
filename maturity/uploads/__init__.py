"""Uploaded files kept on the server between an import's preview and its confirmation."""
