from tests.ui.test_departments_dialog import *  # noqa
def test_dbg(qtbot, monkeypatch, db, dialog, answers):
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: (MARKET, True)))
    qtbot.mouseClick(dialog.duplicatesButton, Qt.MouseButton.LeftButton)
    print("current", dialog.duplicatesTable.currentRow(), dialog.mergeDuplicateButton.isEnabled(), dialog._pairs)
    qtbot.mouseClick(dialog.mergeDuplicateButton, Qt.MouseButton.LeftButton)
    print(answers)
