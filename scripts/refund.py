"""Take back your deposits where the model now agrees with your label.

Each one earns a good point, which is what lets you report others. Under Points this claims
your points instead.

    ape run refund (--id N | --all) [--account ALIAS] [--manifest PATH] [--quiet]

``--all`` finds every eligible contribution from chain history and says why the others are
not eligible yet; ``--id`` checks one first and explains a refusal in one line.
"""

from sharedmodels.cli import claims_command

cli = claims_command("refund")
