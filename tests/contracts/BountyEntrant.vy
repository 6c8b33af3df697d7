# pragma version 0.4.3
"""
@title A contract that enters a model bounty (tests only): it can refuse payments, or try to
       withdraw again from inside the payment (re-entrancy).
"""

interface Bounty:
    def submit(kind: uint8, h1: uint256, h2: uint256, commitment: bytes32) -> uint256: payable
    def upload(i: uint256, salt: bytes32, start: uint256, values: DynArray[int256, 256]): nonpayable
    def seal(i: uint256): nonpayable
    def withdraw(i: uint256) -> uint256: nonpayable

bounty: public(address)
id: public(uint256)
accept: public(bool)
reenter: public(bool)

@deploy
def __init__(bounty: address):
    self.bounty = bounty
    self.accept = True

@external
def set_mode(accept: bool, reenter: bool):
    self.accept = accept
    self.reenter = reenter

@external
@payable
def submit(kind: uint8, h1: uint256, h2: uint256, commitment: bytes32):
    self.id = extcall Bounty(self.bounty).submit(kind, h1, h2, commitment, value=msg.value)

@external
def upload(salt: bytes32, start: uint256, values: DynArray[int256, 256]):
    extcall Bounty(self.bounty).upload(self.id, salt, start, values)

@external
def seal():
    extcall Bounty(self.bounty).seal(self.id)

@external
def withdraw():
    extcall Bounty(self.bounty).withdraw(self.id)

@external
@payable
def __default__():
    assert self.accept
    if self.reenter:
        extcall Bounty(self.bounty).withdraw(self.id)
