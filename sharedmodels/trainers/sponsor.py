"""Sponsored contributions: users sign (EIP-712), a sponsor submits and pays.

The typed data matches ``contracts/auth/signed.vy``: domain ``sharedmodels``/``1`` with the
chain id and the trainer's address, message ``Contribution(address contributor,uint256[]
features,uint8 label,uint256 nonce,uint256 deadline)``, the features packed as the trainer takes
them (``sharedmodels.encoding.packed``). A contributor's signatures carry
consecutive nonces starting at ``trainer.nonces(contributor)``; ``sign_many`` numbers them.
Each item carries the nonce it was signed with: the contract uses an item whose nonce is the
signer's current one, skips one whose nonce was already used or cancelled (``submit`` reports
it with id 0, the contract's return value) and refuses one from the future. ``cancel`` revokes
a contributor's outstanding signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

from sharedmodels.encoding.packed import packer
from sharedmodels.errors import InputError
from sharedmodels.trainers.client import Added, incentive_of

DOMAIN_NAME = "sharedmodels"
DOMAIN_VERSION = "1"
#: The contract's ``MAX_BATCH``.
MAX_BATCH = 8
#: The contract's refusal of a batch in which every item was skipped.
ALL_SKIPPED = "batch: every nonce used or cancelled"
_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Contribution": [
        {"name": "contributor", "type": "address"},
        {"name": "features", "type": "uint256[]"},
        {"name": "label", "type": "uint8"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}


def typed_data(
    verifying_contract: str,
    chain_id: int,
    contributor: str,
    *,
    row: Sequence[int],
    label: int,
    nonce: int,
    deadline: int,
) -> dict:
    """The full EIP-712 message a contributor signs (what a wallet shows the user)."""
    return {
        "types": _TYPES,
        "primaryType": "Contribution",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": verifying_contract,
        },
        "message": {
            "contributor": contributor,
            "features": list(row),
            "label": label,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def sign(
    account: Any,
    verifying_contract: str,
    chain_id: int,
    *,
    row: Sequence[int],
    label: int,
    nonce: int,
    deadline: int,
) -> tuple:
    """One ``SignedContribution`` struct (as a tuple) signed by ``account``; ``row`` is the
    ``x`` the trainer takes (packed words, or plain indices, one per word)."""
    contributor = str(account.address)
    message = encode_typed_data(
        full_message=typed_data(
            verifying_contract,
            chain_id,
            contributor,
            row=row,
            label=label,
            nonce=nonce,
            deadline=deadline,
        )
    )
    key = getattr(account, "private_key", None)
    if key:
        sig = Account.sign_message(message, key)
        v, r, s = sig.v, sig.r, sig.s
    else:  # any Ape account that can sign messages (keyfile, hardware wallet)
        sig = account.sign_message(message)
        if sig is None:
            raise InputError(f"account {contributor} declined to sign")
        v, r, s = sig.v, int.from_bytes(sig.r, "big"), int.from_bytes(sig.s, "big")
    return (
        contributor,
        list(row),
        label,
        nonce,
        deadline,
        v,
        r.to_bytes(32, "big"),
        s.to_bytes(32, "big"),
    )


def sign_many(
    contract: Any,
    account: Any,
    rows: Sequence[Sequence[int]],
    labels: Sequence[int],
    deadline: int,
) -> list[tuple]:
    """Signatures for many contributions, nonces counted from the contract's current one; each
    row is signed packed, as ``addData`` would send it."""
    from ape import chain

    nonce = int(contract.nonces(account.address))
    address = str(contract.address)
    to_x = packer(contract)
    return [
        sign(
            account,
            address,
            chain.chain_id,
            row=to_x(row),
            label=label,
            nonce=nonce + i,
            deadline=deadline,
        )
        for i, (row, label) in enumerate(zip(rows, labels, strict=True))
    ]


def cancel(contract: Any, account: Any, until: int | None = None) -> Any:
    """Cancel ``account``'s unused signatures with a nonce below ``until`` (default: just the
    current nonce); batches skip them from then on. Returns the receipt."""
    if until is None:
        until = int(contract.nonces(account.address)) + 1
    return contract.cancel_nonces(until, sender=account)


def submit(
    contract: Any,
    sponsor: Any,
    items: Sequence[tuple],
    progress: Callable[[int], None] | None = None,
    batch: int = MAX_BATCH,
) -> list[Added]:
    """Submit signed contributions ``batch`` at a time; the sponsor pays gas and deposits.

    Each batch carries the largest deposit for every item (all but the first land in the same
    second as the previous contribution, which is what they owe) and gets the excess back.
    Returns one ``Added`` per item, in order. An item the contract skipped (its nonce was
    already used, e.g. by someone who submitted it first, or cancelled) has id 0, no deposit
    and no gas; the batch's gas is shared equally by the items that landed. A batch whose
    items were all skipped is refused by the contract (at gas estimation, or as a reverted
    transaction when the gas limit is fixed); its items come back skipped, with no receipt.
    """
    from ape.exceptions import ContractLogicError

    if not 1 <= batch <= MAX_BATCH:
        raise InputError(f"batch must be 1 to {MAX_BATCH}")
    incentive = incentive_of(contract)
    out: list[Added] = []
    for start in range(0, len(items), batch):
        part = list(items[start : start + batch])
        value = incentive.max_deposit * len(part)
        try:
            receipt = contract.addDataBatch(part, sender=sponsor, value=value)
        except ContractLogicError as err:
            if err.revert_message != ALL_SKIPPED:
                raise
            out.extend(Added(0, 0, 0) for _ in part)
            if progress:
                progress(len(part))
            continue
        # One log per item, in item order: ContributionAdded or ContributionSkipped.
        logs = sorted(
            (
                g
                for g in receipt.decode_logs(
                    [contract.ContributionAdded, contract.ContributionSkipped]
                )
                if g.contract_address == contract.address
            ),
            key=lambda g: g.log_index,
        )
        if len(logs) != len(part):
            raise RuntimeError(f"batch {receipt.txn_hash}: {len(logs)} logs for {len(part)} items")
        landed = sum(1 for g in logs if g.event_name == "ContributionAdded")
        share = int(receipt.gas_used) // max(landed, 1)
        out.extend(
            Added(int(g.id), share, int(g.deposit), receipt)
            if g.event_name == "ContributionAdded"
            else Added(0, 0, 0, receipt)
            for g in logs
        )
        if progress:
            progress(len(part))
    return out
