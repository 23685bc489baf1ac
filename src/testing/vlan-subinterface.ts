/**
 * A VLAN sub-interface made in userspace, for kernels without 8021q (these development
 * machines: `modprobe 8021q` fails, and bridge VLAN filtering and tc's vlan action are missing
 * too). Inside an instance's namespace it makes a TAP device (`eth0.101`) and relays between it
 * and the parent interface through a packet socket: frames the instance sends on the TAP
 * device leave the parent tagged with the VLAN id; tagged frames that arrive on the parent
 * (the kernel hands their tag to packet sockets as auxiliary data) enter the TAP device
 * untagged. The instance then uses `eth0.101` as it would use a kernel VLAN device:
 *
 *   python3 -c "$VLAN_RELAY" eth0 eth0.101 101     (in the instance's namespace)
 *   ip link set eth0.101 address <subport MAC> up; ip addr add 10.0.1.5/24 dev eth0.101
 *
 * Without a VLAN device on the parent, the kernel itself treats tagged frames as not its own
 * (PACKET_OTHERHOST), so they reach only the relay. Used by test code only.
 */

/** The relay: `python3 -c VLAN_RELAY <parent> <tap name> <vlan id>`; prints `ready` once the TAP device exists. */
export const VLAN_RELAY = String.raw`
import fcntl, os, select, socket, struct, sys
parent, name, vid = sys.argv[1], sys.argv[2], int(sys.argv[3])
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454ca, 0x0002, 0x1000
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 1 << 4
tap = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(tap, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI))
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
raw.bind((parent, 0))
raw.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
tag = struct.pack('!HH', 0x8100, vid & 0x0fff)
print('ready', flush=True)
while True:
    ready, _, _ = select.select([tap, raw], [], [])
    if tap in ready:
        frame = os.read(tap, 65536)
        raw.send(frame[:12] + tag + frame[12:])
    if raw in ready:
        frame, ancillary, _, address = raw.recvmsg(65536, socket.CMSG_SPACE(20))
        if address[2] == socket.PACKET_OUTGOING:
            continue
        tci = None
        for level, kind, data in ancillary:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, vlan_tci = struct.unpack('IIIHHH', data[:18])
                if status & TP_STATUS_VLAN_VALID:
                    tci = vlan_tci
        if tci is None and frame[12:14] == b'\x81\x00':
            tci = struct.unpack('!H', frame[14:16])[0]
            frame = frame[:12] + frame[16:]
        if tci is not None and (tci & 0x0fff) == vid:
            os.write(tap, frame)
`;
