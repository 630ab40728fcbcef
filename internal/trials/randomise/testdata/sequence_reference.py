# Independent implementation of the sequence spec in randomise/doc.go.
import hmac, hashlib, struct
seed = bytes((1+i) % 256 for i in range(32))
arms, ratio, sizes = ["control","treatment"], [1,1], [2,4,6]
def block(stratum, b):
    label = b"datalab.block.v1\x00" + str(len(stratum)).encode() + b":" + stratum.encode() + b"\x00" + str(b).encode() + b"\x00"
    ctr = [0]; buf = [b""]
    def u64():
        if not buf[0]:
            buf[0] = hmac.new(seed, label + struct.pack(">Q", ctr[0]), hashlib.sha256).digest(); ctr[0] += 1
        v = struct.unpack(">Q", buf[0][:8])[0]; buf[0] = buf[0][8:]; return v
    def intn(n):
        limit = (2**64 - 1) - (2**64 % n)
        while True:
            v = u64()
            if v <= limit: return v % n
    size = sizes[intn(len(sizes))]
    reps = size // sum(ratio)
    blk = [a for i,a in enumerate(arms) for _ in range(reps*ratio[i])]
    for i in range(len(blk)-1, 0, -1):
        j = intn(i+1); blk[i], blk[j] = blk[j], blk[i]
    return blk
out=[]; b=0
while len(out) < 24:
    out += block("site=North", b); b += 1
print("".join(a[0] for a in out[:24]))
