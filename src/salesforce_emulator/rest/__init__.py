"""The REST API under ``/services/data/vNN.0/``."""
