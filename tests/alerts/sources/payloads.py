"""Real-world payloads (captured from Alertmanager 0.25.0 and pagerduty 7.2.0, or documented
by Grafana and PagerDuty; see the research notes), as bytes."""

from __future__ import annotations

import json
from typing import Any

AM_FIRING = {
    "receiver": "tocsin",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": "db1:9100", "severity": "critical"},
            "annotations": {
                "runbook_url": "https://runbooks/disk",
                "summary": "Disk almost full on db1",
            },
            "startsAt": "2026-11-24T01:37:37.774505996Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
            "fingerprint": "efb0c6c488e007da",
        },
        {
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": "db2:9100", "severity": "warning"},
            "annotations": {"summary": "Disk almost full on db2"},
            "startsAt": "2026-11-24T01:37:37.774505996Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": "395116799cdefb2a",
        },
    ],
    "groupLabels": {"alertname": "DiskFull"},
    "commonLabels": {"alertname": "DiskFull"},
    "commonAnnotations": {},
    "externalURL": "http://vm:19093",
    "version": "4",
    "groupKey": '{}:{alertname="DiskFull"}',
    "truncatedAlerts": 0,
}

AM_PARTLY_RESOLVED = (
    b'{"receiver":"tocsin","status":"firing","alerts":[{"status":"resolved","labels":{"alertname"'
    b':"DiskFull","instance":"db1:9100","severity":"critical"},"annotations":{"runbook_url":"htt'
    b'ps://runbooks/disk","summary":"Disk almost full on db1"},"startsAt":"2026-11-24T01:37:37.77'
    b'4505996Z","endsAt":"2026-11-24T01:37:48Z","generatorURL":"http://prometheus:9090/graph?g0.e'
    b'xpr=up","fingerprint":"efb0c6c488e007da"},{"status":"firing","labels":{"alertname":"DiskFu'
    b'll","instance":"db2:9100","severity":"warning"},"annotations":{"summary":"Disk almost full '
    b'on db2"},"startsAt":"2026-11-24T01:37:37.774505996Z","endsAt":"0001-01-01T00:00:00Z","gene'
    b'ratorURL":"","fingerprint":"395116799cdefb2a"}],"groupLabels":{"alertname":"DiskFull"},"co'
    b'mmonLabels":{"alertname":"DiskFull"},"commonAnnotations":{},"externalURL":"http://vm:19093'
    b'","version":"4","groupKey":"{}:{alertname=\\"DiskFull\\"}","truncatedAlerts":0}\n'
)

AM_RESOLVED = (
    b'{"receiver":"tocsin","status":"resolved","alerts":[{"status":"resolved","labels":{"alertnam'
    b'e":"DiskFull","instance":"db2:9100","severity":"warning"},"annotations":{"summary":"Disk al'
    b'most full on db2"},"startsAt":"2026-11-24T01:37:37.774505996Z","endsAt":"2026-11-24T01:38:0'
    b'4Z","generatorURL":"","fingerprint":"395116799cdefb2a"}],"groupLabels":{"alertname":"DiskF'
    b'ull"},"commonLabels":{"alertname":"DiskFull","instance":"db2:9100","severity":"warning"},"c'
    b'ommonAnnotations":{"summary":"Disk almost full on db2"},"externalURL":"http://vm:19093","ve'
    b'rsion":"4","groupKey":"{}:{alertname=\\"DiskFull\\"}","truncatedAlerts":0}\n'
)

GRAFANA_DOC = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana"
            "&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
            "valueString": "[ var='B' labels={} value=44.2 ], [ var='C' labels={} value=1 ]",
        },
        {
            "status": "resolved",
            "labels": {"alertname": "High CPU usage", "team": "blue", "zone": "eu-1"},
            "annotations": {"description": "The system has high CPU usage"},
            "startsAt": "2021-10-12T09:56:03.157076+02:00",
            "endsAt": "2021-10-12T10:06:03+02:00",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://play.grafana.org/alerting/silence/new",
            "dashboardURL": "https://play.grafana.org/d/abc",
            "panelURL": "https://play.grafana.org/d/abc?viewPanel=2",
            "values": None,
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing**\n\nLabels:\n - alertname = T2\n",
}

ROUTING_KEY = "R0UTINGKEY0123456789abcdef012345"

PD_OPENAPI_EXAMPLE = (
    b'{"payload":{"summary":"DISK at 99% on machine prod-datapipe03.example.com","timestamp":"201'
    b'5-07-17T08:42:58.315+0000","severity":"critical","source":"prod-datapipe03.example.com","co'
    b'mponent":"mysql","group":"prod-datapipe","class":"disk","custom_details":{"free space":"1%"'
    b',"ping time":"1500ms","load avg":0.75}},"routing_key":"e93facc04764012d7bfb002500d5d1a6","d'
    b'edup_key":"srv01/mysql","event_action":"trigger","client":"Sample Monitoring Service","clie'
    b'nt_url":"https://monitoring.service.com","links":[{"href":"http://pagerduty.example.com","t'
    b'ext":"An example link."}],"images":[{"src":"https://chart.googleapis.com/chart?x","href":"'
    b'https://google.com","alt":"An example link with an image"}]}'
)

# Bodies the PyPI ``pagerduty`` client 7.2.0 sent, captured on the wire.
PD_CLIENT_FULL = (
    b'{"event_action":"trigger","payload":{"summary":"Disk full on db1","source":"db1.example","s'
    b'everity":"error","component":"disk","group":"db","class":"capacity","timestamp":"2026-01-01'
    b'T00:00:00Z","custom_details":{"free_pct":3}},"images":[{"src":"https://x/g.png","href":"ht'
    b'tps://x","alt":"graph"}],"links":[{"href":"https://x/run","text":"Runbook"}],"dedup_key":"d'
    b'isk-db1","routing_key":"R0UTINGKEY0123456789abcdef012345"}'
)
PD_CLIENT_MINIMAL = (
    b'{"event_action":"trigger","payload":{"summary":"CPU high","source":"web1","severity":"criti'
    b'cal"},"routing_key":"R0UTINGKEY0123456789abcdef012345"}'
)
PD_CLIENT_ACK = (
    b'{"event_action":"acknowledge","dedup_key":"disk-db1","routing_key":"R0UTINGKEY0123456789ab'
    b'cdef012345"}'
)
PD_CLIENT_RESOLVE = (
    b'{"event_action":"resolve","dedup_key":"disk-db1","routing_key":"R0UTINGKEY0123456789abcdef0'
    b'12345"}'
)
PD_CLIENT_WITH_CLIENT = (
    b'{"event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"},"client"'
    b':"Tocsin","client_url":"https://tocsin.local","routing_key":"R0UTINGKEY0123456789abcdef0123'
    b'45"}'
)
PD_CHANGE_DOC = (
    b'{"routing_key":"737ea619db564d41bd9824063e1f6b08","payload":{"summary":"Build Success: Incr'
    b'ease snapshot create timeout to 30 seconds","timestamp":"2015-07-17T08:42:58.315+0000","sou'
    b'rce":"prod-build-agent-i-0b148d1040d565540","custom_details":{"build_state":"passed","build'
    b'_number":"220","run_time":"1236s"}},"links":[{"href":"https://buildpipeline.com/pagerduty/'
    b'deployment/builds/220","text":"View in Build Pipeline"}]}'
)
PD_CHANGE_CLIENT = (
    b'{"payload":{"summary":"Deployed v2","source":"ci","timestamp":"2026-01-01T00:00:00Z"},"link'
    b's":[{"href":"https://ci/1","text":"build"}],"routing_key":"R0UTINGKEY0123456789abcdef012345"}'
)


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
