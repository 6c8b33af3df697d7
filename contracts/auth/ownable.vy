# pragma version 0.4.3
"""
@title Ownable
@license MIT
@notice One owner address with an explicit, two-call-free transfer. Modules that need an
        admin `uses:` this one; the deployable contract `initializes:` it.
@dev Why not snekmate's ownable module (PyPI `snekmate`), which has this interface, event
     and these reasons exactly and compiles with Vyper 0.4.3 (its pragma is `~=0.4.3`, checked
     with 0.1.2): snekmate is licensed AGPL-3.0-only, and a module compiled into a deployable
     makes it part of that contract, so every contract here (MIT) would have to be released
     under the AGPL. That is the project's call to make, not a code change; if it is made, the
     imports of this module are the only change (`from snekmate.auth import ownable`, snekmate
     pinned in pyproject.toml), and this file goes.
"""

# ---------------------------------------------------------------- EVENTS

event OwnershipTransferred:
    previous_owner: indexed(address)
    new_owner: indexed(address)

# ---------------------------------------------------------------- STORAGE

# @dev The only address allowed through `_check_owner`.
owner: public(address)

# ---------------------------------------------------------------- CONSTRUCTOR

@deploy
def __init__():
    self._transfer_ownership(msg.sender)

# ---------------------------------------------------------------- ADMIN

@external
def transfer_ownership(new_owner: address):
    """
    @notice Hand the owner role to `new_owner`.
    @param new_owner The next owner; the zero address is refused (use `renounce_ownership`).
    """
    self._check_owner()
    assert new_owner != empty(address), "ownable: new owner is the zero address"
    self._transfer_ownership(new_owner)


@external
def renounce_ownership():
    """
    @notice Give up the owner role for good; owner-only functions are then closed forever.
    """
    self._check_owner()
    self._transfer_ownership(empty(address))

# ---------------------------------------------------------------- INTERNAL

@internal
def _check_owner():
    assert msg.sender == self.owner, "ownable: caller is not the owner"


@internal
def _transfer_ownership(new_owner: address):
    previous: address = self.owner
    self.owner = new_owner
    log OwnershipTransferred(previous_owner=previous, new_owner=new_owner)
