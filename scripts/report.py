"""Take a share of other contributors' deposits where the model disagrees with their label.

The share is deposit * your good points // all good points (what is left when that is more;
refused when it rounds to 0 wei). Under Points this marks the contribution bad and pays nothing.

    ape run report (--id N | --all) [--account ALIAS] [--manifest PATH] [--quiet]

``--all`` finds every eligible contribution from chain history and says why the others are
not eligible yet; ``--id`` checks one first and explains a refusal in one line.
"""

from sharedmodels.cli import claims_command

cli = claims_command("report")
