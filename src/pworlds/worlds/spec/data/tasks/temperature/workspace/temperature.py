"""Temperature conversions."""


def fahrenheit(celsius: float) -> float:
    return celsius * 9 / 5 - 32


def celsius(fahrenheit_degrees: float) -> float:
    return (fahrenheit_degrees - 32) * 5 / 9
