"""The budgeting tests' draft budget and seated board members, for the trail of the cycle."""

from tests.budgeting.conftest import boards, budget

__all__ = ["boards", "budget"]
