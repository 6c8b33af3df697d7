# pragma version 0.4.3
"""
@title A keeper contract that sends `HubPool.cancel` (tests only): once, or twice in one
       transaction. The pool pays it, the caller, what it measured; the transaction's own gas
       (21,000 and calldata) only to a sender that calls the pool itself, once a transaction.
"""

interface Pool:
    def cancel(model: address, period: uint256, target: Entrant, other: Entrant,
               test: DynArray[Scored, 256]) -> uint256: nonpayable

struct Contribution:
    id: uint256
    contributor: address
    time: uint256
    label: uint8
    deposit: uint256

struct Entrant:
    c: Contribution
    x: DynArray[uint256, 64]

struct Scored:
    x: DynArray[uint256, 16]
    y: uint8
    s: int256

pool: public(address)


@deploy
def __init__(pool: address):
    self.pool = pool


@external
def cancel(model: address, period: uint256, target: Entrant, other: Entrant,
           test: DynArray[Scored, 256]) -> uint256:
    return extcall Pool(self.pool).cancel(model, period, target, other, test)


@external
def cancel_two(model: address, period: uint256, a: Entrant, b: Entrant, c: Entrant,
               d: Entrant, test: DynArray[Scored, 256]) -> uint256:
    return extcall Pool(self.pool).cancel(model, period, a, b, test) + extcall Pool(
        self.pool
    ).cancel(model, period, c, d, test)


@external
@payable
def __default__():
    pass
