"""The ADMS / PUSH endpoints ZKTeco clocks call (reference zk-protocol.md §4).

Paths are fixed by the firmware, hence no trailing slash; some firmware asks for the
`.aspx` names of ZKTeco's Windows server.
"""

from django.urls import path

from devices import adms

urlpatterns = [
    path("iclock/cdata", adms.cdata, name="adms_cdata"),
    path("iclock/cdata.aspx", adms.cdata),
    path("iclock/getrequest", adms.getrequest, name="adms_getrequest"),
    path("iclock/getrequest.aspx", adms.getrequest),
    path("iclock/devicecmd", adms.devicecmd, name="adms_devicecmd"),
    path("iclock/devicecmd.aspx", adms.devicecmd),
]
