"""The ZK codec against pyzk 0.9 itself and against real-device bytes (reference zk-protocol.md §1.4, §1.9, §1.12).

Captures come from pyzk's test.py (K20 firmware, 70 users in 72-byte records read through 1503/1504).
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta

import pytest
from zk.base import make_commkey as pyzk_make_commkey
from zk.finger import Finger
from zk.user import User

from devices.zk import protocol as zp

# §1.9: the 1504 answer of a real device, as captured: PREPARE_DATA, then CMD_DATA frames of 1,008 bytes
# whose session field counts 0, 1, 2..., reply id 0x16 (= the request's). Session id of the link: 0x3C5C.
CAPTURED_SESSION = 0x3C5C
CAPTURED_1503_REPLY = bytes.fromhex("5050827d15000000d007a7625c3c150000b4130000b4130000cdef2300")
CAPTURED_PREPARE_DATA = bytes.fromhex("5050827d10000000dc050da65c3c1600b4130000f0030000")
FIRST_DATA_FRAME = bytes.fromhex(
    "5050827df8030000dd05d05800001600b013000001000e35313437393833004a6573757353616c646976617200000000"
    "000000000000000000000001000000000000000035313437393833000000000000000000000000000000000002000e33"
    "343934383636004e69657665734c6f70657a000000000000000000000000000000000001000000000000000033343934"
    "383636000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000"
    "000000000000000000000001000000000000000033373331393336000000000000000000000000000000000100000000"
    "000000003734383433330000000000000000000000000000000000000800000000000000000000000000000000000000"
    "000000000000000000000000000000000000000100000000000000003433333939353800000000000000000000000000"
    "000000000900000000000000000000000000000000000000000000000000000000000000000000000000000100000000"
    "000000003333373335313100000000000000000000000000000000000a00000000000000000000000000000000000000"
    "000000000000000000000000000000000000000100000000000000003337373535363100000000000000000000000000"
    "000000000b0000000000000004000e000000000000000000000000000000000000000000000000000000000000000000"
    "00000001000000000000000032333338323035000000000000000000000000000000000005000e000000000000000000"
    "000000000000000000000000000000000000000000000000000000010000000000000000333632363439300000000000"
    "000000000000000000000000060000000000000000000000000000000000000000000000000000000000000000000000"
    "000000010000000000000000313838343633340000000000000000000000000000000000070000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000100000000000000003131313336333200000000000000000000000000000000000c000000"
    "000000000000000000000000000000000000000000000000000000000000000000000001000000000000000031303532"
    "33383900000000000000000000000000000000000d000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000100000000000000003135333538333600000000000000000000000000000000000e000000"
    "000000000000000000000000000000000000000000000000000000000000000000000001000000000000000039333136"
    "37300000000000000000000000000000"
)
LAST_DATA_FRAME = bytes.fromhex("5050827d0c000000dd0507fa0500160000000000")
CAPTURED_TOTAL = 5044  # bytes in the dataset (uint32 total 5040 + 70 records of 72 bytes)


def frames_of(stream: bytes) -> list[bytes]:
    """Split a TCP byte stream into its frames (top + ZK packet)."""
    frames = []
    pos = 0
    while pos < len(stream):
        length = zp.parse_tcp_top(stream[pos : pos + 8])
        frames.append(stream[pos : pos + 8 + length])
        pos += 8 + length
    return frames


# --- §1.4 checksums and headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "session", "reply", "payload", "wire"),
    [
        (zp.CMD_CONNECT, 0, 0, b"", "5050827d08000000e80317fc00000000"),
        (zp.CMD_ACK_OK, 0xFB2F, 0, b"", "5050827d08000000d007fffc2ffb0000"),
        (zp.CMD_EXIT, 0xFB2F, 1, b"", "5050827d08000000e903e6002ffb0100"),
        (zp.CMD_AUTH, 0x45CF, 1, bytes.fromhex("614d323c"), "5050827d0c0000004e044e2ccf450100614d323c"),
        (zp.CMD_GET_FREE_SIZES, 0x45CF, 2, b"", "5050827d080000003200fcb9cf450200"),
        (
            zp.CMD_PREPARE_BUFFER,
            0x45CF,
            0x14,
            struct.pack("<bhii", 1, zp.CMD_USERTEMP_RRQ, zp.FCT_USER, 0),
            "5050827d13000000df053ca6cf4514000109000500000000000000",
        ),
    ],
)
def test_frames_match_pyzk_wire_vectors(command, session, reply, payload, wire):
    frame = zp.tcp_frame(zp.make_packet(command, session, reply, payload))
    assert frame.hex() == wire
    assert zp.verify_checksum(frame[8:])


def test_a_corrupted_packet_fails_the_checksum():
    packet = bytearray(zp.make_packet(zp.CMD_GET_TIME, 0x1234, 7, b"abc"))
    packet[-1] ^= 0x01
    assert not zp.verify_checksum(bytes(packet))


def test_tcp_top_rejects_byte_swapped_magic():
    # A Node simulator wrote the magic as LE uint16 0x827D ("7d 82"): pyzk says "TCP packet invalid" (ref §1.2).
    with pytest.raises(ValueError):
        zp.parse_tcp_top(bytes.fromhex("50507d8208000000"))
    assert zp.parse_tcp_top(bytes.fromhex("5050827d08000000")) == 8


@pytest.mark.parametrize(("key", "session", "expected"), [(12, 0x45CF, "614d323c"), (45, 0x45CF, "61c9323c")])
def test_commkey_matches_the_captured_auth_payloads(key, session, expected):
    assert zp.make_commkey(key, session).hex() == expected


def test_commkey_matches_pyzk_for_many_keys_and_sessions():
    for key in (0, 1, 7, 999, 123456, 999999, 2**20 + 5):
        for session in (1, 0x45CF, 0xFFFE):
            assert zp.make_commkey(key, session) == pyzk_make_commkey(key, session)


# --- §1.9 bulk transfer, byte for byte against the capture ------------------------------------------------------


def test_read_buffer_reply_has_the_captured_shape():
    ours = zp.tcp_frame(
        zp.make_packet(zp.CMD_ACK_OK, CAPTURED_SESSION, 0x15, zp.read_buffer_reply_payload(CAPTURED_TOTAL))
    )
    # Same length, code, session, reply id and size fields; only the 4 trailing bytes of unknown meaning differ.
    assert len(ours) == len(CAPTURED_1503_REPLY)
    assert ours[:10] == CAPTURED_1503_REPLY[:10]
    assert ours[12:25] == CAPTURED_1503_REPLY[12:25]


def test_firmware_chunking_reproduces_the_captured_frames():
    first_payload = FIRST_DATA_FRAME[16:]
    chunk = first_payload + bytes(CAPTURED_TOTAL - len(first_payload) - 4) + LAST_DATA_FRAME[16:]
    stream = zp.firmware_chunk_stream(chunk, CAPTURED_SESSION, 0x16)
    frames = frames_of(stream)

    assert frames[0] == CAPTURED_PREPARE_DATA  # payload b4130000 f0030000: size 5044, frame size 1008
    assert frames[1] == FIRST_DATA_FRAME
    assert frames[-2] == LAST_DATA_FRAME  # session field 5, 4 bytes of payload
    assert [len(f) - 16 for f in frames[1:-1]] == [1008] * 5 + [4]
    assert [zp.unpack_header(f[8:]).session_id for f in frames[1:-1]] == [0, 1, 2, 3, 4, 5]
    ack = zp.unpack_header(frames[-1][8:])
    assert (ack.command, ack.session_id, ack.reply_id, len(frames[-1])) == (zp.CMD_ACK_OK, CAPTURED_SESSION, 0x16, 16)
    assert all(zp.verify_checksum(f[8:]) for f in frames)


def test_udp_datagrams_fit_pyzk_recv_1032():
    datagrams = zp.udp_chunk_datagrams(bytes(range(256)) * 20, 0x1234, 9)
    kinds = [zp.unpack_header(d).command for d in datagrams]
    assert kinds[0] == zp.CMD_PREPARE_DATA and kinds[-1] == zp.CMD_ACK_OK
    assert set(kinds[1:-1]) == {zp.CMD_DATA}
    assert max(len(d) for d in datagrams) <= 1032
    assert b"".join(d[8:] for d in datagrams[1:-1]) == bytes(range(256)) * 20


def test_captured_user_records_parse():
    records = FIRST_DATA_FRAME[16 + 4 : 16 + 4 + 13 * 72]
    users = zp.parse_users(records, 72)
    assert len(users) == 13
    assert users[0][:4] == (1, "5147983", "JesusSaldivar", 14)
    # Same user as pyzk's own assertion on this capture.
    assert (users[1].uid, users[1].user_id, users[1].name) == (2, "3494866", "NievesLopez")


# --- §1.12 realtime events ---------------------------------------------------------------------------------------


def test_realtime_event_matches_the_12_byte_capture():
    payload = zp.pack_realtime_attlog("4822257", 0, 0, datetime(2018, 12, 7, 19, 9, 6), size=12)
    assert (
        zp.make_packet(zp.CMD_REG_EVENT, zp.EF_ATTLOG, 0, payload).hex() == "f401ae4301000000f19449000000120c07130906"
    )


def test_realtime_event_matches_the_32_byte_capture_payload():
    payload = zp.pack_realtime_attlog("1140064", 15, 0, datetime(2018, 11, 29, 12, 55, 3), size=32)
    assert payload.hex() == "3131343030363400000000000000000000000000000000000f00120b1d0c3703"


def test_event_sizes_pyzk_cannot_parse_are_refused():
    with pytest.raises(ValueError):
        zp.pack_realtime_attlog("1", 1, 0, datetime(2025, 1, 1), size=40)  # pyzk 0.9: UnboundLocalError (#86)


# --- §1.11 time --------------------------------------------------------------------------------------------------


def test_time_codec_round_trips_and_matches_the_formula():
    moment = datetime(2025, 3, 31, 23, 59, 58)
    value = zp.encode_time(moment)
    assert value == ((25 * 12 * 31 + 2 * 31 + 30) * 86400) + (23 * 60 + 59) * 60 + 58
    assert zp.decode_time(value) == moment
    assert zp.decode_time(0) == datetime(2000, 1, 1)


def test_impossible_dates_raise_and_month_13_wraps():
    with pytest.raises(ValueError):
        zp.decode_time(zp.encode_raw_time(2025, 2, 30, 8, 0, 0))
    assert zp.decode_time(zp.encode_raw_time(2025, 13, 1)) == datetime(2026, 1, 1)


def test_years_outside_the_device_range_are_refused():
    with pytest.raises(ValueError):
        zp.encode_time(datetime(1999, 12, 31))
    with pytest.raises(ValueError):
        zp.encode_time(datetime(2100, 1, 1))


# --- records -----------------------------------------------------------------------------------------------------


def test_user_records_round_trip_in_both_sizes():
    for size in (28, 72):
        record = zp.pack_user(size, 3, "1234", "Lo Thi Huong", zp.USER_ADMIN, "123", 4242, "1")
        assert len(record) == size
        user = zp.unpack_user(record)
        assert (user.uid, user.user_id, user.privilege, user.password, user.card, user.group) == (
            3,
            "1234",
            14,
            "123",
            4242,
            "1",
        )
        assert user.name == ("Lo Thi Huong" if size == 72 else "Lo Thi H")  # 8 bytes of name in ZK6 records


def test_names_are_cut_on_a_character_boundary():
    record = zp.pack_user(72, 1, "1", "Đặng Thị Ánh Tuyết Nguyễn Văn")
    assert zp.unpack_user(record).name  # still valid UTF-8 after the 24-byte cut
    assert record[11:35].decode("utf-8").rstrip("\x00")


def test_pyzk_set_user_payloads_decode():
    # Exactly what pyzk 0.9 set_user packs (ref §1.10): 72 bytes over TCP, 28 over UDP.
    tcp = struct.pack(
        "HB8s24s4sx7sx24s", 5, 14, b"99", b"Tran Van Binh".ljust(24, b"\x00"), struct.pack("<I", 77), b"2", b"A-17"
    )
    udp = struct.pack("HB5s8sIxBHI", 6, 0, b"1", b"Ha Lan", 88, 3, 0, 606)
    assert zp.unpack_user(tcp) == zp.UserRecord(5, "A-17", "Tran Van Binh", 14, "99", 77, "2")
    assert zp.unpack_user(udp) == zp.UserRecord(6, "606", "Ha Lan", 0, "1", 88, "3")


def test_free_sizes_fields_sit_where_pyzk_reads_them():
    data = zp.pack_free_sizes(users=7, fingers=6, records=605, admins=1, users_cap=10000, records_cap=100000)
    assert len(data) == 92
    fields = struct.unpack("20i", data[:80])
    assert (fields[4], fields[6], fields[8], fields[12]) == (7, 6, 605, 1)
    assert (fields[15], fields[16], fields[18], fields[19]) == (10000, 100000, 9993, 99395)


def test_option_reply_echoes_the_key():
    assert zp.option_reply(b"~SerialNumber\x00", "ABC123") == b"~SerialNumber=ABC123\x00"


def test_templates_dataset_round_trips():
    data = zp.dataset(zp.pack_template(1, 0, b"\x01\x02\x03") + zp.pack_template(2, 6, b"\xff" * 10, valid=0))
    assert zp.parse_templates(data) == [(1, 0, 1, b"\x01\x02\x03"), (2, 6, 0, b"\xff" * 10)]


def test_template_upload_built_by_pyzk_objects_decodes():
    user = User(9, "Vu Minh Son", 0, password="", group_id="", user_id="9009", card=0)
    fingers = [Finger(9, 1, 1, b"\x10\x20" * 50), Finger(9, 4, 1, b"\x33" * 7)]
    fpack, table, offset = b"", b"", 0
    for finger in fingers:
        packed = finger.repack_only()
        table += struct.pack("<bHbI", 2, user.uid, 0x10 + finger.fid, offset)
        offset += len(packed)
        fpack += packed
    upack = user.repack73()
    buffer = struct.pack("III", len(upack), len(table), len(fpack)) + upack + table + fpack
    users, templates = zp.parse_template_upload(buffer)
    assert [(u.uid, u.user_id, u.name) for u in users] == [(9, "9009", "Vu Minh Son")]
    assert templates == [(9, 1, b"\x10\x20" * 50), (9, 4, b"\x33" * 7)]
    with pytest.raises(ValueError):
        zp.parse_template_upload(buffer[:-3])


def test_fold_to_ascii_handles_vietnamese():
    assert zp.fold_to_ascii("Nguyễn Văn Đức, Đặng Thị Ánh Tuyết") == "Nguyen Van Duc, Dang Thi Anh Tuyet"


# --- parsers -----------------------------------------------------------------------------------------------------


def _records(size: int, rows: list[tuple[int, str, datetime, int, int]]) -> bytes:
    return b"".join(zp.pack_attendance(size, uid, uid_str, zp.encode_time(t), s, p) for uid, uid_str, t, s, p in rows)


ROWS = [
    (1, "101", datetime(2025, 6, 2, 7, 31, 5), 1, 0),
    (2, "102", datetime(2025, 6, 2, 7, 45, 0), 15, 0),
    (1, "101", datetime(2025, 6, 2, 17, 2, 59), 1, 1),
]


@pytest.mark.parametrize("size", [8, 16, 40])
def test_parse_attendance_reads_every_format_with_or_without_the_total_prefix(size):
    users = {1: "101", 2: "102"}
    body = _records(size, ROWS)
    expected = [(user_id, t, s, p, uid) for uid, user_id, t, s, p in ROWS]
    assert zp.parse_attendance(zp.dataset(body), size, users) == (expected, 0)
    assert zp.parse_attendance(body, size, users) == (expected, 0)


def test_parse_attendance_8_byte_records_fall_back_to_the_uid_like_pyzk():
    records, invalid = zp.parse_attendance(_records(8, ROWS), 8)
    assert [r[0] for r in records] == ["1", "2", "1"] and invalid == 0


def test_parse_attendance_skips_and_counts_impossible_dates():
    bad = zp.pack_attendance(40, 3, "103", zp.encode_raw_time(2025, 2, 30, 8, 0, 0), 1, 0)
    body = _records(40, ROWS[:1]) + bad + _records(40, ROWS[1:])
    records, invalid = zp.parse_attendance(zp.dataset(body), 40)
    assert invalid == 1
    assert [r[0] for r in records] == ["101", "102", "101"]


def test_parse_attendance_ignores_a_trailing_partial_record():
    records, invalid = zp.parse_attendance(_records(16, ROWS) + b"\x01\x02\x03", 16)
    assert len(records) == 3 and invalid == 0


def test_parse_attendance_handles_100k_records():
    start = datetime(2025, 1, 6, 7, 0, 0)
    body = b"".join(
        zp.pack_attendance(
            40, i % 500 + 1, str(i % 500 + 1), zp.encode_time(start + timedelta(seconds=37 * i)), 1, i % 2
        )
        for i in range(100_000)
    )
    records, invalid = zp.parse_attendance(zp.dataset(body), 40)
    assert invalid == 0 and len(records) == 100_000
    assert records[0] == ("1", start, 1, 0, 1)
    assert records[-1] == ("500", start + timedelta(seconds=37 * 99_999), 1, 1, 500)


def test_parse_users_skips_nothing_and_rejects_unknown_sizes():
    body = b"".join(zp.pack_user(28, uid, str(uid), f"U{uid}") for uid in range(1, 6))
    assert [u.user_id for u in zp.parse_users(zp.dataset(body), 28)] == ["1", "2", "3", "4", "5"]
    with pytest.raises(ValueError):
        zp.parse_users(body, 30)


@pytest.mark.parametrize("size", [8, 16, 40])
def test_parse_attendance_as_text_matches_the_datetimes(size):
    users = {1: "101", 2: "102"}
    bad = zp.pack_attendance(size, 2, "102", zp.encode_raw_time(2025, 2, 30, 8, 0, 0), 1, 0)
    body = _records(size, ROWS) + bad
    as_dt, invalid_dt = zp.parse_attendance(body, size, users)
    as_text, invalid_text = zp.parse_attendance(body, size, users, as_text=True)
    assert invalid_dt == invalid_text == 1
    assert as_text == [(u, t.strftime("%Y-%m-%d %H:%M:%S"), s, p, uid) for u, t, s, p, uid in as_dt]


@pytest.mark.parametrize(
    "total, counts, expected",
    [
        (400, (10, 10), 40),  # the count held still
        (440, (10, 11), 40),  # one punch after the count: 440 // 10 = 44 was the crash (issue #12)
        (440, (10, 10), None),  # no format makes 10 records of 440 bytes: read again
        (176, (10, 11), 16),
        (88, (10, 11), 8),
        (16, (1, 2), None),  # one 16-byte record or two 8-byte ones: ambiguous, read again
        (16, (1, 1), 16),
        (80, (3, 2), 40),  # a clear in between: the counts need not grow
        (0, (0, 0), None),
        (504, (7,), 72),  # users: 7 of 72 bytes or 18 of 28, the count decides
        (504, (18,), 28),
    ],
)
def test_record_size_comes_from_the_byte_count_and_the_counts_around_the_download(total, counts, expected):
    sizes = zp.USER_SIZES if total == 504 else zp.RECORD_SIZES
    assert zp.record_size_for(total, counts, sizes) == expected
