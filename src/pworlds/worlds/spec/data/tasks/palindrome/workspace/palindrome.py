"""Palindromes in natural text."""


def is_palindrome(text: str) -> bool:
    letters = [c for c in text if c.isalnum()]
    return letters == letters[::-1]
