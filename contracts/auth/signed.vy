# pragma version 0.4.3
"""
@title Signed contributions (EIP-712)
@license MIT
@notice Lets a sponsor (a game, an app) submit contributions its users signed: the user signs
        the typed data `Contribution(address contributor,uint32[] features,uint8 label,
        uint256 nonce,uint256 deadline)` under this contract's domain, and anyone may submit it
        before the deadline, once. The record, and so every refund and good point, belongs to
        the signer; the sponsor pays the gas and the deposits.
@dev Domain: name "sharedmodels", version "1", the current chain id and this contract's
     address, so a signature is valid on one chain and one contract only (a fork that changes
     its chain id invalidates it). Each contributor has a sequential nonce: a signature for
     nonce k is used up when the nonce moves past k, so it cannot be replayed.
"""

# ---------------------------------------------------------------- EVENTS

event NonceUsed:
    contributor: indexed(address)
    nonce: uint256
    sponsor: indexed(address)

# ---------------------------------------------------------------- STRUCTS

# @dev One contribution as its contributor signed it. (512: the models' MAX_FEATURES.)
struct SignedContribution:
    contributor: address
    x: DynArray[uint32, 512]
    y: uint8
    deadline: uint256
    v: uint8
    r: bytes32
    s: bytes32

# ---------------------------------------------------------------- CONSTANTS

_DOMAIN_TYPEHASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_CONTRIBUTION_TYPEHASH: constant(bytes32) = keccak256(
    "Contribution(address contributor,uint32[] features,uint8 label,uint256 nonce,uint256 deadline)"
)
_NAME_HASH: constant(bytes32) = keccak256("sharedmodels")
_VERSION_HASH: constant(bytes32) = keccak256("1")
# @dev secp256k1n / 2: signatures with a larger s are the malleable twins of valid ones.
_S_LIMIT: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168

# ---------------------------------------------------------------- STORAGE

# @dev The next nonce each contributor's signature must carry.
nonces: public(HashMap[address, uint256])

# ---------------------------------------------------------------- VIEW

@external
@view
def DOMAIN_SEPARATOR() -> bytes32:
    """
    @notice The EIP-712 domain separator signatures must use on this chain.
    """
    return self._domain_separator()

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _domain_separator() -> bytes32:
    return keccak256(abi_encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, chain.id, self))


@internal
def _use(item: SignedContribution) -> bytes32:
    """
    @dev Check the signature of `item` and use up its nonce.
    @return keccak256(abi_encode(item.x)), the features hash the data handler binds (computed
            from the same encoding as the typed-data hash of the array).
    """
    assert block.timestamp <= item.deadline, "batch: signature expired"
    nonce: uint256 = self.nonces[item.contributor]
    encoded: Bytes[16448] = abi_encode(item.x)
    n: uint256 = len(item.x)
    # EIP-712 hashes an array as the concatenation of its 32-byte words: the ABI encoding
    # without its offset and length words.
    array_hash: bytes32 = keccak256(slice(encoded, 64, 32 * n))
    digest: bytes32 = keccak256(
        concat(
            b"\x19\x01",
            self._domain_separator(),
            keccak256(
                abi_encode(
                    _CONTRIBUTION_TYPEHASH, item.contributor, array_hash, item.y, nonce,
                    item.deadline
                )
            ),
        )
    )
    assert convert(item.s, uint256) <= _S_LIMIT, "batch: bad signature"
    signer: address = ecrecover(digest, item.v, item.r, item.s)
    assert signer != empty(address) and signer == item.contributor, "batch: bad signature"
    self.nonces[item.contributor] = nonce + 1
    log NonceUsed(contributor=item.contributor, nonce=nonce, sponsor=msg.sender)
    return keccak256(encoded)
