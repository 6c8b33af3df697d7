# pragma version 0.4.3
"""
@title Signed contributions (EIP-712)
@license MIT
@notice Lets a sponsor (a game, an app) submit contributions its users signed: the user signs
        the typed data `Contribution(address contributor,uint256[] features,uint8 label,
        uint256 nonce,uint256 deadline)` under this contract's domain, and anyone may submit it
        before the deadline, once. The record, and so every refund and good point, belongs to
        the signer; the sponsor pays the gas and the deposits.
@dev Domain: name "sharedmodels", version "1", the current chain id and this contract's
     address, so a signature is valid on one chain and one contract only (a fork that changes
     its chain id invalidates it). Each contributor has a sequential nonce, `nonces(signer)`:
     a signature carrying the current nonce is used (and the nonce moves on by one); one
     carrying a lower nonce was already used or cancelled and is skipped, never used, so a
     batch that meets an item someone else submitted first still lands its other items; one
     carrying a higher nonce is refused ("signed: nonce not yet valid"). Nonces only grow (by
     use or by `cancel_nonces`), so after a batch was simulated the only thing anyone can do to
     one of its items is make it skipped (the trainer refuses a batch only when every item is).
     A signer cancels every signature it gave out below a nonce with `cancel_nonces`.
     Reasons start with `signed:`; the trainer's own `batch: every nonce used or cancelled`
     is about the whole batch, not one signature.

     Why not snekmate's eip712_domain_separator and ecdsa modules: they would do the job (the
     same domain type and so the same signatures, the separator cached in immutables, EIP-5267's
     `eip712Domain`, and `_recover_vrs` refusing the high-s twin as `_use` does) and compile
     with Vyper 0.4.3, but snekmate is licensed AGPL-3.0-only and these contracts are MIT (see
     `auth/ownable.vy`). What stays here is small: the domain separator is one hash, and the
     recovery is `ecrecover` behind EIP-2's high-s check and a zero-address check.
"""

# ---------------------------------------------------------------- EVENTS

event NonceUsed:
    contributor: indexed(address)
    nonce: uint256
    sponsor: indexed(address)

# @dev A well-signed item whose nonce was already used or cancelled: no record, no deposit.
event ContributionSkipped:
    contributor: indexed(address)
    nonce: uint256
    sponsor: indexed(address)

# @dev Every nonce from `start` up to (not including) `until` can no longer be used.
event NoncesCancelled:
    contributor: indexed(address)
    start: uint256
    until: uint256

# ---------------------------------------------------------------- STRUCTS

# @dev One contribution as its contributor signed it: `x` the sparse Perceptron's packed words
#      (64: its MAX_WORDS; `sharedmodels.encoding.packed`).
struct SignedContribution:
    contributor: address
    x: DynArray[uint256, 64]
    y: uint8
    nonce: uint256
    deadline: uint256
    v: uint8
    r: bytes32
    s: bytes32

# ---------------------------------------------------------------- CONSTANTS

_DOMAIN_TYPEHASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_CONTRIBUTION_TYPEHASH: constant(bytes32) = keccak256(
    "Contribution(address contributor,uint256[] features,uint8 label,uint256 nonce,uint256 deadline)"
)
_NAME_HASH: constant(bytes32) = keccak256("sharedmodels")
_VERSION_HASH: constant(bytes32) = keccak256("1")
# @dev secp256k1n / 2: signatures with a larger s are the malleable twins of valid ones.
_S_LIMIT: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168

# @dev The most `cancel_nonces` may move a nonce in one call: nonces stay far below 2**256,
#      so using one can never overflow.
MAX_NONCE_STEP: constant(uint256) = 2**64

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

# ---------------------------------------------------------------- PERMISSIONLESS

@external
@nonreentrant
def cancel_nonces(until: uint256):
    """
    @notice Cancel every signature you gave out with a nonce below `until` that is not used
            yet: a batch skips them and none can ever be used. Your next signature carries
            `until`. `until = nonces(you) + 1` cancels just the outstanding one.
    @param until The new next nonce: above the current one, by at most 2**64.
    """
    start: uint256 = self.nonces[msg.sender]
    assert until > start, "signed: nonce already past"
    assert until - start <= MAX_NONCE_STEP, "signed: nonce too large"
    self.nonces[msg.sender] = until
    log NoncesCancelled(contributor=msg.sender, start=start, until=until)

# ---------------------------------------------------------------- INTERNAL

@internal
@view
def _domain_separator() -> bytes32:
    return keccak256(abi_encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, chain.id, self))


@internal
def _use(item: SignedContribution) -> (bool, bytes32):
    """
    @dev Check the deadline and signature of `item`, then use its nonce if it is the signer's
         current one. Every item must be well-signed and unexpired, whatever its nonce.
    @return (True, keccak256(abi_encode(item.x))) when used: the features hash the data
            handler binds (computed from the same encoding as the typed-data hash of the
            array). (False, empty) when its nonce was already used or cancelled: the item is
            skipped and `ContributionSkipped` logged.
    """
    assert block.timestamp <= item.deadline, "signed: signature expired"
    encoded: Bytes[2112] = abi_encode(item.x)
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
                    _CONTRIBUTION_TYPEHASH, item.contributor, array_hash, item.y, item.nonce,
                    item.deadline
                )
            ),
        )
    )
    assert convert(item.s, uint256) <= _S_LIMIT, "signed: bad signature"
    signer: address = ecrecover(digest, item.v, item.r, item.s)
    assert signer != empty(address) and signer == item.contributor, "signed: bad signature"
    nonce: uint256 = self.nonces[item.contributor]
    if item.nonce < nonce:
        log ContributionSkipped(contributor=item.contributor, nonce=item.nonce, sponsor=msg.sender)
        return False, empty(bytes32)
    assert item.nonce == nonce, "signed: nonce not yet valid"
    self.nonces[item.contributor] = nonce + 1
    log NonceUsed(contributor=item.contributor, nonce=nonce, sponsor=msg.sender)
    return True, keccak256(encoded)
