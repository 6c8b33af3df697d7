# pragma version 0.4.3
"""
@title Calls a trainer's `addData` several times in one transaction on behalf of its caller
       (tests only): the features then reach the trainer in an internal call, not in the
       transaction's own input.
"""

interface Trainer:
    def addData(x: DynArray[uint256, 64], y: uint8) -> uint256: payable

@external
@payable
def add_many(trainer: address, rows: DynArray[DynArray[uint256, 64], 8], labels: DynArray[uint8, 8],
             each: uint256):
    for i: uint256 in range(len(rows), bound=8):
        extcall Trainer(trainer).addData(rows[i], labels[i], value=each)

@external
@payable
def __default__():
    pass
