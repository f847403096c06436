"""The SimPy model: referrals, screening, investigations, placements, workforce."""

from simlib.model.context import STREAMS, SimContext, make_streams
from simlib.model.simulation import ReplicationOutput, simulate

__all__ = ["STREAMS", "ReplicationOutput", "SimContext", "make_streams", "simulate"]
