from dataclasses import dataclass


@dataclass
class LoginForm:
    email: str = ""
    password: str = ""
    next: str = ""


@dataclass
class LanguageForm:
    locale: str = ""
    next: str = ""


@dataclass
class SignInForm:
    next: str = ""
