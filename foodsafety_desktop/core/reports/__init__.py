"""Word documents built from the ledger and a period's submissions (工作总结, 逐条报送表,
部门小结, 催报通知); the data they share is gathered by :mod:`.material`."""
