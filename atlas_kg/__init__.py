"""atlas-kg: a knowledge graph of French decentralised cooperation.

The pipeline is a chain of small modules, one per stage:
``parse`` → ``resolve`` → ``rdf`` → ``store`` → ``queries`` → ``metrics`` → ``export`` → ``publish``.
"""

__version__ = "0.1.0"
