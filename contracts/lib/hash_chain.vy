# pragma version 0.4.3
"""
@title Tagged hash-chain commitments
@license MIT
@notice A committed list of items (test samples) is one hash: a chain that starts from a domain
        tag, the chain id, a salt and the list's length, and takes in each item's hash in order:
          c = keccak256(abi_encode(tag, chain.id, salt, n))              (`_start`)
          c = keccak256(abi_encode(tag, chain.id, self, salt, n))        (`_start_here`)
          c = keccak256(c ++ h_k) for k = 1..n                          (`_link`)
        A reveal must give the salt and all n items in order. The tag keeps one kind of
        commitment from passing for another; the chain id (and with `_start_here`, the
        contract's address) keeps a commitment from being replayed on a fork (or another
        contract); the length keeps a prefix from passing for the whole list, and a suffix
        starts from another preimage (its "salt" would have to be a chain value, and the first
        link hashes 128 or 160 bytes where a link hashes 64).
@dev Stateless. An item's hash is the caller's (`keccak256(abi_encode(x, y))` for a sample),
     since the item types differ between contracts. The caller compares the end of the chain
     with its commitment and reverts with its own reason.
"""


@internal
@view
def _start(tag: bytes32, salt: bytes32, n: uint256) -> bytes32:
    """
    @dev The first link of a chain of `n` items bound to this chain id.
    """
    return keccak256(abi_encode(tag, chain.id, salt, n))


@internal
@view
def _start_here(tag: bytes32, salt: bytes32, n: uint256) -> bytes32:
    """
    @dev The first link of a chain of `n` items bound to this chain id and this contract.
    """
    return keccak256(abi_encode(tag, chain.id, self, salt, n))


@internal
@pure
def _link(acc: bytes32, item: bytes32) -> bytes32:
    """
    @dev The chain `acc` moved past one item whose hash is `item`.
    """
    return keccak256(concat(acc, item))
