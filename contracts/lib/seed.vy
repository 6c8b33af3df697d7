# pragma version 0.4.3
"""
@title A random seed from a block hash fixed in advance
@license MIT
@notice A contract fixes a seed block `SEED_DELAY` blocks ahead when its secrets are committed;
        once that block is mined, its hash is the seed, and anyone may read it for the next
        `WINDOW` blocks (the EVM keeps no older hashes).
@dev Stateless. The proposer of the seed block can withhold it (and so skip one draw) but
     cannot choose the hash; a caller decides what happens to a draw nobody made in time
     (`_lapsed`): the market loses it, the bounty re-arms it.
"""

# @dev Blocks between the commitment and its seed block: the hash is unknown when the secrets
#      are committed.
SEED_DELAY: constant(uint256) = 2
# @dev Blocks after the seed block whose hash the EVM still returns (`blockhash`).
WINDOW: constant(uint256) = 256


@internal
@view
def _hash(seed_block: uint256) -> bytes32:
    """
    @dev The hash of `seed_block`, from the block after it until WINDOW blocks later;
         reverts before ("seed: seed block not mined yet") and after ("seed: draw lost").
    """
    assert block.number > seed_block, "seed: seed block not mined yet"
    assert block.number <= seed_block + WINDOW, "seed: draw lost"
    return blockhash(seed_block)


@internal
@view
def _lapsed(seed_block: uint256) -> bool:
    """
    @dev Whether the hash of `seed_block` can no longer be read (the draw was not made in time).
    """
    return block.number > seed_block + WINDOW
