# pragma version 0.4.3
"""
@title The market's commitment chain over one test-set piece, computed in Vyper (tests only)
@dev The same hashing as the reveal in `PredictionMarket.vy`, for checking the off-chain
     `sharedmodels.market.rules.commitment` against.
"""

struct Sample:
    x: DynArray[uint32, 512]
    y: uint8

@external
@view
def commitment(market: address, salt: bytes32, piece: DynArray[Sample, 64]) -> bytes32:
    acc: bytes32 = keccak256(abi_encode(keccak256("sharedmodels.market.piece"), chain.id, market, salt, len(piece)))
    for s: Sample in piece:
        acc = keccak256(concat(acc, keccak256(abi_encode(s.x, s.y))))
    return acc
