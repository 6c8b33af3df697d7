"""Take what is left of old deposits: the owner after --owner-wait, anyone after --any-wait.

The contributor can never take its own; its only way back is a refund.

    ape run take (--id N | --all) [--account ALIAS] [--manifest PATH] [--quiet]

``--all`` finds every eligible contribution from chain history and says why the others are
not eligible yet; ``--id`` checks one first and explains a refusal in one line.
"""

from sharedmodels.cli import claims_command

cli = claims_command("take")
