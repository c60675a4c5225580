"""PyInstaller runtime hook: close the start-up splash (Windows build) as soon as Qt is up.

The splash covers unpacking and the Python imports; it goes away when the QApplication
exists, before any window or start-up question (a damaged database) is shown.  In the
command-line program and in builds without a splash this does nothing.
"""

import os


def _close_splash_when_qt_starts() -> None:
    # Set by the bootloader when this executable has a splash; without it, importing
    # pyi_splash writes an error to stderr.
    if "_PYI_SPLASH_IPC" not in os.environ:
        return
    try:
        import pyi_splash
    except ImportError:
        return
    if not pyi_splash.is_alive():
        return
    import foodsafety_desktop.ui.app as gui

    ensure_application = gui.ensure_application

    def ensure_application_then_close_splash():
        app = ensure_application()
        if pyi_splash.is_alive():
            pyi_splash.close()
        return app

    gui.ensure_application = ensure_application_then_close_splash


_close_splash_when_qt_starts()
