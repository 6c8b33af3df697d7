# pragma version 0.4.3
"""
@title A contributor contract that claims from a hub's pool contract and tries to claim again
       from its default function (tests only): the pool's lock must stop the second claim.
       `hub` is the pool contract it claims from; `target`, when set, is where the call from
       inside the payment goes instead (another contract, such as the ModelHub).
"""

interface Hub:
    def claim(model: address, period: uint256) -> uint256: nonpayable

interface Trainer:
    def addData(x: DynArray[uint256, 64], y: uint8) -> uint256: payable
    def refund(c: Contribution, x: DynArray[uint256, 64]) -> uint256: nonpayable

struct Contribution:
    id: uint256
    contributor: address
    time: uint256
    label: uint8
    deposit: uint256

hub: public(address)
model: public(address)
reentered: public(bool)
reentry_failed: public(bool)
refuse: public(bool)
# @dev A call to try on the hub from inside the payment (empty: claim again).
reentry: public(Bytes[1024])
target: public(address)
reentry_response: public(Bytes[256])

@deploy
def __init__(hub: address):
    self.hub = hub

@external
@payable
def add(trainer: address, x: DynArray[uint256, 64], y: uint8) -> uint256:
    return extcall Trainer(trainer).addData(x, y, value=msg.value)

@external
def take_back(trainer: address, c: Contribution, x: DynArray[uint256, 64]):
    extcall Trainer(trainer).refund(c, x)

@external
def claim(model: address, period: uint256):
    self.model = model
    extcall Hub(self.hub).claim(model, period)

@external
def set_refuse(refuse: bool):
    self.refuse = refuse

@external
def set_reentry(data: Bytes[1024]):
    self.reentry = data
    self.reentered = False

@external
def set_target(target: address):
    self.target = target

@external
@payable
def __default__():
    assert not self.refuse, "claimer: no thanks"
    if msg.sender == self.hub and not self.reentered:
        self.reentered = True
        data: Bytes[1024] = self.reentry
        if len(data) == 0:
            data = abi_encode(self.model, convert(0, uint256), method_id=method_id("claim(address,uint256)"))
        ok: bool = False
        response: Bytes[256] = b""
        to: address = self.target
        if to == empty(address):
            to = self.hub
        ok, response = raw_call(to, data, max_outsize=256, revert_on_failure=False)
        self.reentry_failed = not ok
        self.reentry_response = response
