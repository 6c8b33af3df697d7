"""The one base of every failure a user can cause and fix: bad input, a missing or foreign
deployment, a stalled node. The command line prints its message as one ``error: …`` line and
exits non-zero; any other exception is a bug and keeps its traceback."""


class SharedModelsError(Exception):
    """A failure with a message that tells the user what to change."""
