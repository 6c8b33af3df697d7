# pragma version 0.4.3
"""
@title The contract library (`contracts/lib/`) behind external functions (tests only)
@notice Each function calls one library function as a deployable contract would, so that its
        behaviour (payments, reverts, hashes) can be checked on its own.
"""

from contracts.lib import hash_chain
from contracts.lib import pay
from contracts.lib import seed

# @dev Set with `arm`: the block whose hash `draw` reads.
seed_block: public(uint256)
# @dev What the last `draw` and `check_lapsed` found (kept, so a transaction shows it).
drawn: public(bytes32)
lapsed: public(bool)


@deploy
@payable
def __init__():
    pass


@external
@payable
def __default__():
    pass


@external
def pay_caller(amount: uint256):
    """
    @notice Pay the caller `amount` wei out of this contract's balance.
    """
    pay._pay(amount)


@external
def arm() -> uint256:
    """
    @notice Fix the seed block SEED_DELAY blocks ahead.
    """
    self.seed_block = block.number + seed.SEED_DELAY
    return self.seed_block


@external
def draw() -> bytes32:
    """
    @notice Read the seed block's hash in this transaction's block and keep it.
    """
    h: bytes32 = seed._hash(self.seed_block)
    self.drawn = h
    return h


@external
def check_lapsed() -> bool:
    """
    @notice Whether the seed block's hash is out of reach in this transaction's block (kept).
    """
    gone: bool = seed._lapsed(self.seed_block)
    self.lapsed = gone
    return gone


@external
@view
def start(tag: bytes32, salt: bytes32, n: uint256) -> bytes32:
    return hash_chain._start(tag, salt, n)


@external
@view
def start_here(tag: bytes32, salt: bytes32, n: uint256) -> bytes32:
    return hash_chain._start_here(tag, salt, n)


@external
@pure
def link(acc: bytes32, item: bytes32) -> bytes32:
    return hash_chain._link(acc, item)
