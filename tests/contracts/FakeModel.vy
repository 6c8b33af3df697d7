# pragma version 0.4.3
"""
@title Looks like a model from outside (owner, classes, encoder, predict) but runs other code
@dev For the hub's "not a model of this kind" check (tests only): `predict` always says 1.
"""

owner: public(address)
encoder: public(String[256])
update_count: public(uint256)
sealed: public(bool)

@deploy
def __init__():
    self.owner = msg.sender
    self.encoder = "hash:12"
    self.sealed = True

@external
@view
def class_names(label: uint8) -> String[32]:
    if label == 0:
        return "neg"
    if label == 1:
        return "pos"
    return ""

@external
@view
def predict(x: DynArray[uint32, 512]) -> uint8:
    return 1
