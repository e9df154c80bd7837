// Shared constants and macros of the AVX2+FMA row kernels (exp, softmax,
// log-softmax, GELU, LayerNorm). Every constant is replicated over the 8
// lanes of a YMM register so that it can be a memory operand of a VEX
// instruction (AVX2 has no embedded broadcast). Symbols with <> are local
// to the .s file that includes this header.

#include "textflag.h"

// -87.5: exp clamps its argument from below (results under 2^-125 flush to 0)
DATA vconst<>+0(SB)/4, $0xc2af0000
DATA vconst<>+4(SB)/4, $0xc2af0000
DATA vconst<>+8(SB)/4, $0xc2af0000
DATA vconst<>+12(SB)/4, $0xc2af0000
DATA vconst<>+16(SB)/4, $0xc2af0000
DATA vconst<>+20(SB)/4, $0xc2af0000
DATA vconst<>+24(SB)/4, $0xc2af0000
DATA vconst<>+28(SB)/4, $0xc2af0000
#define C_LO vconst<>+0(SB)

// 89: exp clamps its argument from above (anything over 88.72 overflows to +Inf)
DATA vconst<>+32(SB)/4, $0x42b20000
DATA vconst<>+36(SB)/4, $0x42b20000
DATA vconst<>+40(SB)/4, $0x42b20000
DATA vconst<>+44(SB)/4, $0x42b20000
DATA vconst<>+48(SB)/4, $0x42b20000
DATA vconst<>+52(SB)/4, $0x42b20000
DATA vconst<>+56(SB)/4, $0x42b20000
DATA vconst<>+60(SB)/4, $0x42b20000
#define C_HI vconst<>+32(SB)

// log2(e)
DATA vconst<>+64(SB)/4, $0x3fb8aa3b
DATA vconst<>+68(SB)/4, $0x3fb8aa3b
DATA vconst<>+72(SB)/4, $0x3fb8aa3b
DATA vconst<>+76(SB)/4, $0x3fb8aa3b
DATA vconst<>+80(SB)/4, $0x3fb8aa3b
DATA vconst<>+84(SB)/4, $0x3fb8aa3b
DATA vconst<>+88(SB)/4, $0x3fb8aa3b
DATA vconst<>+92(SB)/4, $0x3fb8aa3b
#define C_LOG2E vconst<>+64(SB)

// ln 2 split in two (Cody-Waite): the high part has 9 significant bits, so n·hi is exact
DATA vconst<>+96(SB)/4, $0x3f318000
DATA vconst<>+100(SB)/4, $0x3f318000
DATA vconst<>+104(SB)/4, $0x3f318000
DATA vconst<>+108(SB)/4, $0x3f318000
DATA vconst<>+112(SB)/4, $0x3f318000
DATA vconst<>+116(SB)/4, $0x3f318000
DATA vconst<>+120(SB)/4, $0x3f318000
DATA vconst<>+124(SB)/4, $0x3f318000
#define C_LN2HI vconst<>+96(SB)

// ln 2 − hi
DATA vconst<>+128(SB)/4, $0xb95e8083
DATA vconst<>+132(SB)/4, $0xb95e8083
DATA vconst<>+136(SB)/4, $0xb95e8083
DATA vconst<>+140(SB)/4, $0xb95e8083
DATA vconst<>+144(SB)/4, $0xb95e8083
DATA vconst<>+148(SB)/4, $0xb95e8083
DATA vconst<>+152(SB)/4, $0xb95e8083
DATA vconst<>+156(SB)/4, $0xb95e8083
#define C_LN2LO vconst<>+128(SB)

// 1/7!: Taylor coefficients of e^r on |r| ≤ ln2/2 (truncation error 5e-9)
DATA vconst<>+160(SB)/4, $0x39500d01
DATA vconst<>+164(SB)/4, $0x39500d01
DATA vconst<>+168(SB)/4, $0x39500d01
DATA vconst<>+172(SB)/4, $0x39500d01
DATA vconst<>+176(SB)/4, $0x39500d01
DATA vconst<>+180(SB)/4, $0x39500d01
DATA vconst<>+184(SB)/4, $0x39500d01
DATA vconst<>+188(SB)/4, $0x39500d01
#define C_E7 vconst<>+160(SB)

// 1/6!
DATA vconst<>+192(SB)/4, $0x3ab60b61
DATA vconst<>+196(SB)/4, $0x3ab60b61
DATA vconst<>+200(SB)/4, $0x3ab60b61
DATA vconst<>+204(SB)/4, $0x3ab60b61
DATA vconst<>+208(SB)/4, $0x3ab60b61
DATA vconst<>+212(SB)/4, $0x3ab60b61
DATA vconst<>+216(SB)/4, $0x3ab60b61
DATA vconst<>+220(SB)/4, $0x3ab60b61
#define C_E6 vconst<>+192(SB)

// 1/5!
DATA vconst<>+224(SB)/4, $0x3c088889
DATA vconst<>+228(SB)/4, $0x3c088889
DATA vconst<>+232(SB)/4, $0x3c088889
DATA vconst<>+236(SB)/4, $0x3c088889
DATA vconst<>+240(SB)/4, $0x3c088889
DATA vconst<>+244(SB)/4, $0x3c088889
DATA vconst<>+248(SB)/4, $0x3c088889
DATA vconst<>+252(SB)/4, $0x3c088889
#define C_E5 vconst<>+224(SB)

// 1/4!
DATA vconst<>+256(SB)/4, $0x3d2aaaab
DATA vconst<>+260(SB)/4, $0x3d2aaaab
DATA vconst<>+264(SB)/4, $0x3d2aaaab
DATA vconst<>+268(SB)/4, $0x3d2aaaab
DATA vconst<>+272(SB)/4, $0x3d2aaaab
DATA vconst<>+276(SB)/4, $0x3d2aaaab
DATA vconst<>+280(SB)/4, $0x3d2aaaab
DATA vconst<>+284(SB)/4, $0x3d2aaaab
#define C_E4 vconst<>+256(SB)

// 1/3!
DATA vconst<>+288(SB)/4, $0x3e2aaaab
DATA vconst<>+292(SB)/4, $0x3e2aaaab
DATA vconst<>+296(SB)/4, $0x3e2aaaab
DATA vconst<>+300(SB)/4, $0x3e2aaaab
DATA vconst<>+304(SB)/4, $0x3e2aaaab
DATA vconst<>+308(SB)/4, $0x3e2aaaab
DATA vconst<>+312(SB)/4, $0x3e2aaaab
DATA vconst<>+316(SB)/4, $0x3e2aaaab
#define C_E3 vconst<>+288(SB)

// 0.5
DATA vconst<>+320(SB)/4, $0x3f000000
DATA vconst<>+324(SB)/4, $0x3f000000
DATA vconst<>+328(SB)/4, $0x3f000000
DATA vconst<>+332(SB)/4, $0x3f000000
DATA vconst<>+336(SB)/4, $0x3f000000
DATA vconst<>+340(SB)/4, $0x3f000000
DATA vconst<>+344(SB)/4, $0x3f000000
DATA vconst<>+348(SB)/4, $0x3f000000
#define C_HALF vconst<>+320(SB)

// 1.0
DATA vconst<>+352(SB)/4, $0x3f800000
DATA vconst<>+356(SB)/4, $0x3f800000
DATA vconst<>+360(SB)/4, $0x3f800000
DATA vconst<>+364(SB)/4, $0x3f800000
DATA vconst<>+368(SB)/4, $0x3f800000
DATA vconst<>+372(SB)/4, $0x3f800000
DATA vconst<>+376(SB)/4, $0x3f800000
DATA vconst<>+380(SB)/4, $0x3f800000
#define C_ONE vconst<>+352(SB)

// int32 126: the float32 exponent bias minus one (exp builds 2^(n-1) and doubles)
DATA vconst<>+384(SB)/4, $0x0000007e
DATA vconst<>+388(SB)/4, $0x0000007e
DATA vconst<>+392(SB)/4, $0x0000007e
DATA vconst<>+396(SB)/4, $0x0000007e
DATA vconst<>+400(SB)/4, $0x0000007e
DATA vconst<>+404(SB)/4, $0x0000007e
DATA vconst<>+408(SB)/4, $0x0000007e
DATA vconst<>+412(SB)/4, $0x0000007e
#define C_BIAS126 vconst<>+384(SB)

// clears the sign bit
DATA vconst<>+416(SB)/4, $0x7fffffff
DATA vconst<>+420(SB)/4, $0x7fffffff
DATA vconst<>+424(SB)/4, $0x7fffffff
DATA vconst<>+428(SB)/4, $0x7fffffff
DATA vconst<>+432(SB)/4, $0x7fffffff
DATA vconst<>+436(SB)/4, $0x7fffffff
DATA vconst<>+440(SB)/4, $0x7fffffff
DATA vconst<>+444(SB)/4, $0x7fffffff
#define C_ABSMASK vconst<>+416(SB)

// -0.5
DATA vconst<>+448(SB)/4, $0xbf000000
DATA vconst<>+452(SB)/4, $0xbf000000
DATA vconst<>+456(SB)/4, $0xbf000000
DATA vconst<>+460(SB)/4, $0xbf000000
DATA vconst<>+464(SB)/4, $0xbf000000
DATA vconst<>+468(SB)/4, $0xbf000000
DATA vconst<>+472(SB)/4, $0xbf000000
DATA vconst<>+476(SB)/4, $0xbf000000
#define C_NEGHALF vconst<>+448(SB)

// -Inf, the identity of max
DATA vconst<>+480(SB)/4, $0xff800000
DATA vconst<>+484(SB)/4, $0xff800000
DATA vconst<>+488(SB)/4, $0xff800000
DATA vconst<>+492(SB)/4, $0xff800000
DATA vconst<>+496(SB)/4, $0xff800000
DATA vconst<>+500(SB)/4, $0xff800000
DATA vconst<>+504(SB)/4, $0xff800000
DATA vconst<>+508(SB)/4, $0xff800000
#define C_NEGINF vconst<>+480(SB)

// √2: Φ uses the series below it and the erfc form above it
DATA vconst<>+512(SB)/4, $0x3fb504f3
DATA vconst<>+516(SB)/4, $0x3fb504f3
DATA vconst<>+520(SB)/4, $0x3fb504f3
DATA vconst<>+524(SB)/4, $0x3fb504f3
DATA vconst<>+528(SB)/4, $0x3fb504f3
DATA vconst<>+532(SB)/4, $0x3fb504f3
DATA vconst<>+536(SB)/4, $0x3fb504f3
DATA vconst<>+540(SB)/4, $0x3fb504f3
#define C_SQRT2 vconst<>+512(SB)

// 0.5/√2: t = 1/(1 + |x|·0.5/√2) = 1/(1 + z/2) with z = |x|/√2
DATA vconst<>+544(SB)/4, $0x3eb504f3
DATA vconst<>+548(SB)/4, $0x3eb504f3
DATA vconst<>+552(SB)/4, $0x3eb504f3
DATA vconst<>+556(SB)/4, $0x3eb504f3
DATA vconst<>+560(SB)/4, $0x3eb504f3
DATA vconst<>+564(SB)/4, $0x3eb504f3
DATA vconst<>+568(SB)/4, $0x3eb504f3
DATA vconst<>+572(SB)/4, $0x3eb504f3
#define C_ERFP vconst<>+544(SB)

// Φ(x) = 0.5 + x·A(x²) for |x| ≤ √2: A0 = 1/√(2π) (also φ's factor)
DATA vconst<>+576(SB)/4, $0x3ecc422a
DATA vconst<>+580(SB)/4, $0x3ecc422a
DATA vconst<>+584(SB)/4, $0x3ecc422a
DATA vconst<>+588(SB)/4, $0x3ecc422a
DATA vconst<>+592(SB)/4, $0x3ecc422a
DATA vconst<>+596(SB)/4, $0x3ecc422a
DATA vconst<>+600(SB)/4, $0x3ecc422a
DATA vconst<>+604(SB)/4, $0x3ecc422a
#define C_A0 vconst<>+576(SB)

// A1
DATA vconst<>+608(SB)/4, $0xbd882c19
DATA vconst<>+612(SB)/4, $0xbd882c19
DATA vconst<>+616(SB)/4, $0xbd882c19
DATA vconst<>+620(SB)/4, $0xbd882c19
DATA vconst<>+624(SB)/4, $0xbd882c19
DATA vconst<>+628(SB)/4, $0xbd882c19
DATA vconst<>+632(SB)/4, $0xbd882c19
DATA vconst<>+636(SB)/4, $0xbd882c19
#define C_A1 vconst<>+608(SB)

// A2
DATA vconst<>+640(SB)/4, $0x3c23675d
DATA vconst<>+644(SB)/4, $0x3c23675d
DATA vconst<>+648(SB)/4, $0x3c23675d
DATA vconst<>+652(SB)/4, $0x3c23675d
DATA vconst<>+656(SB)/4, $0x3c23675d
DATA vconst<>+660(SB)/4, $0x3c23675d
DATA vconst<>+664(SB)/4, $0x3c23675d
DATA vconst<>+668(SB)/4, $0x3c23675d
#define C_A2 vconst<>+640(SB)

// A3
DATA vconst<>+672(SB)/4, $0xba9b8dcc
DATA vconst<>+676(SB)/4, $0xba9b8dcc
DATA vconst<>+680(SB)/4, $0xba9b8dcc
DATA vconst<>+684(SB)/4, $0xba9b8dcc
DATA vconst<>+688(SB)/4, $0xba9b8dcc
DATA vconst<>+692(SB)/4, $0xba9b8dcc
DATA vconst<>+696(SB)/4, $0xba9b8dcc
DATA vconst<>+700(SB)/4, $0xba9b8dcc
#define C_A3 vconst<>+672(SB)

// A4
DATA vconst<>+704(SB)/4, $0x38f06e9e
DATA vconst<>+708(SB)/4, $0x38f06e9e
DATA vconst<>+712(SB)/4, $0x38f06e9e
DATA vconst<>+716(SB)/4, $0x38f06e9e
DATA vconst<>+720(SB)/4, $0x38f06e9e
DATA vconst<>+724(SB)/4, $0x38f06e9e
DATA vconst<>+728(SB)/4, $0x38f06e9e
DATA vconst<>+732(SB)/4, $0x38f06e9e
#define C_A4 vconst<>+704(SB)

// A5
DATA vconst<>+736(SB)/4, $0xb7147aed
DATA vconst<>+740(SB)/4, $0xb7147aed
DATA vconst<>+744(SB)/4, $0xb7147aed
DATA vconst<>+748(SB)/4, $0xb7147aed
DATA vconst<>+752(SB)/4, $0xb7147aed
DATA vconst<>+756(SB)/4, $0xb7147aed
DATA vconst<>+760(SB)/4, $0xb7147aed
DATA vconst<>+764(SB)/4, $0xb7147aed
#define C_A5 vconst<>+736(SB)

// A6
DATA vconst<>+768(SB)/4, $0x34e8eeaf
DATA vconst<>+772(SB)/4, $0x34e8eeaf
DATA vconst<>+776(SB)/4, $0x34e8eeaf
DATA vconst<>+780(SB)/4, $0x34e8eeaf
DATA vconst<>+784(SB)/4, $0x34e8eeaf
DATA vconst<>+788(SB)/4, $0x34e8eeaf
DATA vconst<>+792(SB)/4, $0x34e8eeaf
DATA vconst<>+796(SB)/4, $0x34e8eeaf
#define C_A6 vconst<>+768(SB)

// Φ(−|x|) = e^{−x²/2}·B(t) for |x| > √2: B0
DATA vconst<>+800(SB)/4, $0xb78b85a1
DATA vconst<>+804(SB)/4, $0xb78b85a1
DATA vconst<>+808(SB)/4, $0xb78b85a1
DATA vconst<>+812(SB)/4, $0xb78b85a1
DATA vconst<>+816(SB)/4, $0xb78b85a1
DATA vconst<>+820(SB)/4, $0xb78b85a1
DATA vconst<>+824(SB)/4, $0xb78b85a1
DATA vconst<>+828(SB)/4, $0xb78b85a1
#define C_B0 vconst<>+800(SB)

// B1
DATA vconst<>+832(SB)/4, $0x3e10d7c6
DATA vconst<>+836(SB)/4, $0x3e10d7c6
DATA vconst<>+840(SB)/4, $0x3e10d7c6
DATA vconst<>+844(SB)/4, $0x3e10d7c6
DATA vconst<>+848(SB)/4, $0x3e10d7c6
DATA vconst<>+852(SB)/4, $0x3e10d7c6
DATA vconst<>+856(SB)/4, $0x3e10d7c6
DATA vconst<>+860(SB)/4, $0x3e10d7c6
#define C_B1 vconst<>+832(SB)

// B2
DATA vconst<>+864(SB)/4, $0x3e0c3fb6
DATA vconst<>+868(SB)/4, $0x3e0c3fb6
DATA vconst<>+872(SB)/4, $0x3e0c3fb6
DATA vconst<>+876(SB)/4, $0x3e0c3fb6
DATA vconst<>+880(SB)/4, $0x3e0c3fb6
DATA vconst<>+884(SB)/4, $0x3e0c3fb6
DATA vconst<>+888(SB)/4, $0x3e0c3fb6
DATA vconst<>+892(SB)/4, $0x3e0c3fb6
#define C_B2 vconst<>+864(SB)

// B3
DATA vconst<>+896(SB)/4, $0x3e15dc6f
DATA vconst<>+900(SB)/4, $0x3e15dc6f
DATA vconst<>+904(SB)/4, $0x3e15dc6f
DATA vconst<>+908(SB)/4, $0x3e15dc6f
DATA vconst<>+912(SB)/4, $0x3e15dc6f
DATA vconst<>+916(SB)/4, $0x3e15dc6f
DATA vconst<>+920(SB)/4, $0x3e15dc6f
DATA vconst<>+924(SB)/4, $0x3e15dc6f
#define C_B3 vconst<>+896(SB)

// B4
DATA vconst<>+928(SB)/4, $0x3c38fec8
DATA vconst<>+932(SB)/4, $0x3c38fec8
DATA vconst<>+936(SB)/4, $0x3c38fec8
DATA vconst<>+940(SB)/4, $0x3c38fec8
DATA vconst<>+944(SB)/4, $0x3c38fec8
DATA vconst<>+948(SB)/4, $0x3c38fec8
DATA vconst<>+952(SB)/4, $0x3c38fec8
DATA vconst<>+956(SB)/4, $0x3c38fec8
#define C_B4 vconst<>+928(SB)

// B5
DATA vconst<>+960(SB)/4, $0x3e48e70c
DATA vconst<>+964(SB)/4, $0x3e48e70c
DATA vconst<>+968(SB)/4, $0x3e48e70c
DATA vconst<>+972(SB)/4, $0x3e48e70c
DATA vconst<>+976(SB)/4, $0x3e48e70c
DATA vconst<>+980(SB)/4, $0x3e48e70c
DATA vconst<>+984(SB)/4, $0x3e48e70c
DATA vconst<>+988(SB)/4, $0x3e48e70c
#define C_B5 vconst<>+960(SB)

// B6
DATA vconst<>+992(SB)/4, $0xbe306789
DATA vconst<>+996(SB)/4, $0xbe306789
DATA vconst<>+1000(SB)/4, $0xbe306789
DATA vconst<>+1004(SB)/4, $0xbe306789
DATA vconst<>+1008(SB)/4, $0xbe306789
DATA vconst<>+1012(SB)/4, $0xbe306789
DATA vconst<>+1016(SB)/4, $0xbe306789
DATA vconst<>+1020(SB)/4, $0xbe306789
#define C_B6 vconst<>+992(SB)

// B7
DATA vconst<>+1024(SB)/4, $0x3d233b88
DATA vconst<>+1028(SB)/4, $0x3d233b88
DATA vconst<>+1032(SB)/4, $0x3d233b88
DATA vconst<>+1036(SB)/4, $0x3d233b88
DATA vconst<>+1040(SB)/4, $0x3d233b88
DATA vconst<>+1044(SB)/4, $0x3d233b88
DATA vconst<>+1048(SB)/4, $0x3d233b88
DATA vconst<>+1052(SB)/4, $0x3d233b88
#define C_B7 vconst<>+1024(SB)

GLOBL vconst<>(SB), RODATA|NOPTR, $1056

// tailmask<>+4·(8−k) holds k all-ones lanes followed by zeros: the mask of
// a partial vector of k elements for VMASKMOVPS / VBLENDVPS / VANDPS.
DATA tailmask<>+0(SB)/4, $0xffffffff
DATA tailmask<>+4(SB)/4, $0xffffffff
DATA tailmask<>+8(SB)/4, $0xffffffff
DATA tailmask<>+12(SB)/4, $0xffffffff
DATA tailmask<>+16(SB)/4, $0xffffffff
DATA tailmask<>+20(SB)/4, $0xffffffff
DATA tailmask<>+24(SB)/4, $0xffffffff
DATA tailmask<>+28(SB)/4, $0xffffffff
DATA tailmask<>+32(SB)/4, $0
DATA tailmask<>+36(SB)/4, $0
DATA tailmask<>+40(SB)/4, $0
DATA tailmask<>+44(SB)/4, $0
DATA tailmask<>+48(SB)/4, $0
DATA tailmask<>+52(SB)/4, $0
DATA tailmask<>+56(SB)/4, $0
DATA tailmask<>+60(SB)/4, $0
GLOBL tailmask<>(SB), RODATA|NOPTR, $64

// EXP8(X, N, T) replaces the 8 floats of X by e^X; N and T are scratch.
// It needs Y13 = C_LO, Y14 = C_HI and Y15 = C_LOG2E (EXP_INIT loads them).
//
//	x ← clamp(x, −87.5, 89)          (NaN passes: it is VMAXPS's 2nd source)
//	n ← round(x·log2 e)              (to nearest even)
//	r ← x − n·ln2hi − n·ln2lo        (|r| ≤ ln2/2)
//	p ← 1 + r + r²/2! + … + r⁷/7!    (Horner)
//	e^x = (2p)·2^(n−1)               (2^(n−1) built in the exponent field:
//	                                  n ≥ −126 keeps the field ≥ 0 and
//	                                  n ≤ 128 keeps it ≤ 127 + 127)
//
// n = −126 gives the bit pattern 0, so x below about −86.99 returns 0 and
// no result is subnormal; for x above 88.72 the product overflows to +Inf.
// Doubling p first keeps every normal result free of a subnormal
// intermediate.
#define EXP_INIT \
	VMOVUPS C_LO, Y13; \
	VMOVUPS C_HI, Y14; \
	VMOVUPS C_LOG2E, Y15

#define EXP8(X, N, T) \
	VMAXPS X, Y13, X; \
	VMINPS X, Y14, X; \
	VMULPS Y15, X, N; \
	VROUNDPS $0, N, N; \
	VFNMADD231PS C_LN2HI, N, X; \
	VFNMADD231PS C_LN2LO, N, X; \
	VMOVUPS C_E7, T; \
	VFMADD213PS C_E6, X, T; \
	VFMADD213PS C_E5, X, T; \
	VFMADD213PS C_E4, X, T; \
	VFMADD213PS C_E3, X, T; \
	VFMADD213PS C_HALF, X, T; \
	VFMADD213PS C_ONE, X, T; \
	VFMADD213PS C_ONE, X, T; \
	VCVTPS2DQ N, N; \
	VPADDD C_BIAS126, N, N; \
	VPSLLD $23, N, N; \
	VADDPS T, T, T; \
	VMULPS N, T, X

// PHI8(X, PHI, E, S1, S2, S3, S4) sets PHI = Φ(X), the standard normal CDF,
// and E = e^{−X²/2}, leaving X unchanged; S1..S4 are scratch. Needs EXP_INIT.
//
//	|x| ≤ √2:  Φ(x) = 0.5 + x·A(x²)               (degree-6 minimax fit of
//	                                               erf(z)/z on z = x/√2 ∈ [0,1])
//	|x| > √2:  q = Φ(−|x|) = e^{−x²/2}·B(t),      t = 1/(1 + |x|·0.5/√2)
//	           (degree-7 minimax fit of ½·erfc(z)·e^{z²} on z ∈ [1, 9])
//	           Φ(x) = q if x < 0, else 1 − q.
//
// Both fits have relative error below 5e-8; in float32 the absolute error of
// Φ stays under 1e-7 (of erf, under 2e-7).
#define PHI8(X, PHI, E, S1, S2, S3, S4) \
	VMULPS X, X, S1; \
	VMOVUPS C_A6, PHI; \
	VFMADD213PS C_A5, S1, PHI; \
	VFMADD213PS C_A4, S1, PHI; \
	VFMADD213PS C_A3, S1, PHI; \
	VFMADD213PS C_A2, S1, PHI; \
	VFMADD213PS C_A1, S1, PHI; \
	VFMADD213PS C_A0, S1, PHI; \
	VFMADD213PS C_HALF, X, PHI; \
	VMULPS C_NEGHALF, S1, E; \
	EXP8(E, S2, S3); \
	VANDPS C_ABSMASK, X, S1; \
	VMULPS C_ERFP, S1, S2; \
	VADDPS C_ONE, S2, S2; \
	VMOVUPS C_ONE, S3; \
	VDIVPS S2, S3, S2; \
	VMOVUPS C_B7, S3; \
	VFMADD213PS C_B6, S2, S3; \
	VFMADD213PS C_B5, S2, S3; \
	VFMADD213PS C_B4, S2, S3; \
	VFMADD213PS C_B3, S2, S3; \
	VFMADD213PS C_B2, S2, S3; \
	VFMADD213PS C_B1, S2, S3; \
	VFMADD213PS C_B0, S2, S3; \
	VMULPS E, S3, S3; \
	VMOVUPS C_ONE, S4; \
	VSUBPS S3, S4, S4; \
	VBLENDVPS X, S3, S4, S4; \
	VCMPPS $2, C_SQRT2, S1, S1; \
	VBLENDVPS S1, PHI, S4, PHI

// TAILMASK(K, R, P, M) loads into M the mask of the first K lanes
// (1 ≤ K ≤ 7, in a general register); R and P are scratch general registers.
#define TAILMASK(K, R, P, M) \
	MOVQ $8, R; \
	SUBQ K, R; \
	LEAQ tailmask<>(SB), P; \
	VMOVUPS (P)(R*4), M

// HSUM(Y, X, T) reduces the 8 lanes of Y (whose low half is X) to a sum in
// the low lane of X, pairing lanes 0+4, 1+5, … then 0+2, then 0+1. T is a
// scratch XMM register.
#define HSUM(Y, X, T) \
	VEXTRACTF128 $1, Y, T; \
	VADDPS T, X, X; \
	VPERMILPS $0x4e, X, T; \
	VADDPS T, X, X; \
	VPERMILPS $0xb1, X, T; \
	VADDPS T, X, X

// HMAX(Y, X, T) is HSUM with max.
#define HMAX(Y, X, T) \
	VEXTRACTF128 $1, Y, T; \
	VMAXPS T, X, X; \
	VPERMILPS $0x4e, X, T; \
	VMAXPS T, X, X; \
	VPERMILPS $0xb1, X, T; \
	VMAXPS T, X, X
