"""Discrete-event simulation of freight on the corridor network (SimPy)."""
