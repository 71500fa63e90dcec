"""The one error a release refuses with: its message is what the person cutting it reads."""


class ReleaseError(Exception):
    """A release or a comparison that cannot be made, with the reason and what would be accepted."""
