"""The Qt-free core: plans, storage and services. Nothing here may import Qt."""
