"""The one base of every failure a user can cause and fix: bad input, a missing or foreign
deployment, a stalled node. The command line prints its message as one ``error: …`` line and
exits non-zero; any other exception is a bug and keeps its traceback."""


class SharedModelsError(Exception):
    """A failure with a message that tells the user what to change."""


class InputError(SharedModelsError, ValueError):
    """Input the user gave (a row, a size, an option, a file) that the code refuses. Also a
    ``ValueError``, so a caller that checks values the usual way catches it; a ``ValueError``
    raised by anything else (a library, a bug) is not one and keeps its traceback."""
