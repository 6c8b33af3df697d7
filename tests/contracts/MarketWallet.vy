# pragma version 0.4.3
"""
@title A contract wallet for the market's attack tests
@notice Stands for a Safe or any smart account: it writes storage whenever it receives ETH,
        which needs more than the 2,300 gas a `send` forwards. It can also refuse payments, or
        re-enter the contract paying it once and record how that nested call failed.
"""

MODE_ACCEPT: constant(uint8) = 0
MODE_REFUSE: constant(uint8) = 1
MODE_REENTER: constant(uint8) = 2

owner: immutable(address)
# @dev Wei received and payments counted (storage writes on every receipt).
received: public(uint256)
payments: public(uint256)
mode: public(uint8)
# @dev MODE_REENTER: the call made to `target` (the payer, if empty) from inside a payment,
#      and how it ended.
target: public(address)
reentry: public(Bytes[256])
reentered: public(bool)
reentry_failed: public(bool)
reentry_error: public(Bytes[256])


@deploy
def __init__():
    owner = msg.sender


@external
def set_mode(mode: uint8, target: address, reentry: Bytes[256]):
    assert msg.sender == owner, "wallet: owner only"
    self.mode = mode
    self.target = target
    self.reentry = reentry
    self.reentered = False


@external
@payable
def execute(target: address, data: Bytes[16384], amount: uint256) -> Bytes[1024]:
    """
    @notice Call `target` as this wallet (the revert of a failed call comes back unchanged).
    """
    assert msg.sender == owner, "wallet: owner only"
    return raw_call(target, data, value=amount, max_outsize=1024)


@external
@payable
def create(code: Bytes[49152], amount: uint256) -> address:
    """
    @notice Deploy a contract from its initcode followed by its ABI-encoded constructor
            arguments, as this wallet (so the wallet is its deployer).
    """
    assert msg.sender == owner, "wallet: owner only"
    return raw_create(code, value=amount)


@external
@payable
def __default__():
    assert self.mode != MODE_REFUSE, "wallet: refusing payments"
    self.received += msg.value
    self.payments += 1
    if self.mode == MODE_REENTER and not self.reentered:
        self.reentered = True
        ok: bool = False
        out: Bytes[256] = b""
        target: address = self.target
        if target == empty(address):
            target = msg.sender
        ok, out = raw_call(target, self.reentry, max_outsize=256, revert_on_failure=False)
        self.reentry_failed = not ok
        self.reentry_error = out
