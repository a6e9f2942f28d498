"""Pages and API around digital signatures: checking a signed PDF ("Kiểm tra chữ ký")
and configuring the units' signing credentials. The crypto is hr_system.signing."""
