from tests.dashboard.scenario import clock

__all__ = ["clock"]
