# pragma version 0.4.3
"""
@title Paying the caller
@license MIT
@notice One way every contract here sends ether: to `msg.sender`, with all the gas left, after
        every state change of the call.
@dev Stateless: a contract imports it and calls `pay._pay(amount)`; no `initializes:` needed.
     All gas, not a transfer's 2,300: a contract wallet may write storage when it receives.
     The recipient may re-enter, so callers hold their non-reentrancy lock or have finished
     every state change before paying (checks, effects, then this). A recipient that refuses
     makes the whole call revert with this module's reason, not with the recipient's data, and
     nothing changes. Nothing is sent for 0 wei, so a zero payment never calls the recipient.
"""


@internal
def _pay(amount: uint256):
    """
    @dev Send `amount` wei to the caller; revert "pay: payment failed" if it refuses.
    """
    if amount > 0:
        ok: bool = raw_call(msg.sender, b"", value=amount, revert_on_failure=False)
        assert ok, "pay: payment failed"
