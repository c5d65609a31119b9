"""Handing recorded episodes to other tools: ``syngrasp export-usd`` writes one episode as a USD stage
(robot, objects, lights, cameras, time-sampled transforms) for Isaac Sim, Omniverse or usdview.

App-level: it rebuilds the episode's scene with the generator and its backend; no stage imports it.
"""
