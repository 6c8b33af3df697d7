# pragma version 0.4.3
"""
@title A contract that contributes to a staked trainer (tests only)
@notice What it does when the trainer pays it is set by `mode`:
        0  keep the ETH and count it in storage (a wallet such as a Safe does work on receipt,
           so a plain 2300-gas stipend would not be enough),
        1  re-enter `addData`, 2 re-enter `refund`, 3 re-enter `report`, 5 re-enter `take`
           (with the arguments of its own last call to the trainer),
        4  refuse the ETH,
        6  re-enter with the calldata given to `relay` (e.g. a second sponsored batch).
@dev The re-entering call is a `raw_call` that does not revert on failure: its outcome (did it
     succeed, and its return or revert data) is stored in `reentry` and this contract returns
     normally, so the outer call completes. A test can then tell the re-entrancy lock (an
     `assert` without a reason: empty revert data) from the trainer's own checks (a reason
     string). `replay` makes the same call again from outside any trainer call: a control that
     the re-entering call was well formed.
"""

MAX_OUT: constant(uint256) = 256
KEEP: constant(uint8) = 0
ADD: constant(uint8) = 1
REFUND: constant(uint8) = 2
REPORT: constant(uint8) = 3
REFUSE: constant(uint8) = 4
TAKE: constant(uint8) = 5
RELAY: constant(uint8) = 6
MAX_CALL: constant(uint256) = 2048

struct Contribution:
    id: uint256
    contributor: address
    time: uint256
    label: uint8
    deposit: uint256

struct Outcome:
    done: bool
    success: bool
    data: Bytes[MAX_OUT]

interface Trainer:
    def addData(x: DynArray[uint256, 64], y: uint8) -> uint256: payable
    def refund(c: Contribution, x: DynArray[uint256, 64]) -> uint256: nonpayable
    def report(c: Contribution, x: DynArray[uint256, 64]) -> uint256: nonpayable
    def take(c: Contribution, features_hash: bytes32) -> uint256: nonpayable

trainer: public(address)
mode: public(uint8)
# @dev Wei received and kept (mode 0).
received: public(uint256)
# @dev The re-entering call made on the last payment (modes 1-3).
reentry: public(Outcome)
# @dev The same call, replayed by `replay`.
replayed: public(Outcome)
_saved: Contribution
_saved_x: DynArray[uint256, 64]
_saved_y: uint8
_saved_hash: bytes32
_relay_reentry: Bytes[MAX_CALL]
_calldata: Bytes[4 + 32 * 520]
_value: uint256

@deploy
def __init__(trainer: address):
    self.trainer = trainer

@external
def set_mode(mode: uint8):
    self.mode = mode

@external
@payable
def add(x: DynArray[uint256, 64], y: uint8) -> uint256:
    self._saved_x = x
    self._saved_y = y
    return extcall Trainer(self.trainer).addData(x, y, value=msg.value)

@external
def refund(c: Contribution, x: DynArray[uint256, 64]) -> uint256:
    self._saved = c
    self._saved_x = x
    return extcall Trainer(self.trainer).refund(c, x)

@external
def report(c: Contribution, x: DynArray[uint256, 64]) -> uint256:
    self._saved = c
    self._saved_x = x
    return extcall Trainer(self.trainer).report(c, x)

@external
def take(c: Contribution, features_hash: bytes32) -> uint256:
    self._saved = c
    self._saved_hash = features_hash
    return extcall Trainer(self.trainer).take(c, features_hash)

@external
@payable
def relay(data: Bytes[MAX_CALL], reentry: Bytes[MAX_CALL]) -> Bytes[MAX_OUT]:
    """
    @notice Call the trainer with `data` and all of `msg.value` (a sponsor sending a batch); in
            mode 6 its payment re-enters with `reentry`.
    """
    self._relay_reentry = reentry
    return raw_call(self.trainer, data, value=msg.value, max_outsize=MAX_OUT)

@internal
def _call() -> Outcome:
    success: bool = False
    data: Bytes[MAX_OUT] = b""
    success, data = raw_call(
        self.trainer, self._calldata, value=self._value, max_outsize=MAX_OUT,
        revert_on_failure=False
    )
    return Outcome(done=True, success=success, data=data)

@external
def replay():
    """
    @notice Make the last re-entering call again, now from outside any trainer call.
    """
    assert self.reentry.done, "no re-entry to replay"
    self.replayed = self._call()

@external
@payable
def __default__():
    mode: uint8 = self.mode
    if mode == KEEP:
        self.received += msg.value
        return
    assert mode != REFUSE
    self._value = 0
    if mode == ADD:
        self._value = msg.value
        self._calldata = abi_encode(
            self._saved_x, self._saved_y, method_id=method_id("addData(uint256[],uint8)")
        )
    elif mode == REFUND:
        self._calldata = abi_encode(
            self._saved, self._saved_x,
            method_id=method_id("refund((uint256,address,uint256,uint8,uint256),uint256[])")
        )
    elif mode == RELAY:
        self._value = msg.value
        self._calldata = self._relay_reentry
    elif mode == REPORT:
        self._calldata = abi_encode(
            self._saved, self._saved_x,
            method_id=method_id("report((uint256,address,uint256,uint8,uint256),uint256[])")
        )
    else:
        self._calldata = abi_encode(
            self._saved, self._saved_hash,
            method_id=method_id("take((uint256,address,uint256,uint8,uint256),bytes32)")
        )
    self.reentry = self._call()
