"""Human-readable durations."""


def format_duration(seconds: int) -> str:
    """65 -> '1:05'; 3725 -> '1:02:05'."""
    if seconds < 0:
        raise ValueError("negative duration")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
