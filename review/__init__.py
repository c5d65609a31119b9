"""Reviewing a finished run: ``syngrasp report DIR`` writes one self-contained HTML page about it
(contact sheet, outcomes per category, randomized parameters, throughput).

App-level: it reads the dataset through the exporters' readers and may use every stage; no stage imports it.
"""
