#include "vecmath_amd64.h"

// Row pieces of softmax and log-softmax. Each handles any length: whole
// vectors first (two or four per iteration where a sum or max is carried,
// so that the loop-carried dependency spans several accumulators), then one
// masked partial vector.

// func maxAVX2(x []float32) float32
// Returns max_i x[i], or −Inf for an empty x.
TEXT ·maxAVX2(SB), NOSPLIT, $0-28
	MOVQ    x_base+0(FP), SI
	MOVQ    x_len+8(FP), CX
	VMOVUPS C_NEGINF, Y0
	VMOVUPS Y0, Y1
	VMOVUPS Y0, Y2
	VMOVUPS Y0, Y3

max32:
	CMPQ   CX, $32
	JLT    max8
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	VMAXPS 64(SI), Y2, Y2
	VMAXPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $32, CX
	JMP    max32

max8:
	CMPQ   CX, $8
	JLT    maxtail
	VMAXPS (SI), Y0, Y0
	ADDQ   $32, SI
	SUBQ   $8, CX
	JMP    max8

maxtail:
	TESTQ      CX, CX
	JEQ        maxdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y4
	VMOVUPS    C_NEGINF, Y5
	VBLENDVPS  Y6, Y4, Y5, Y4    // lanes past the end read −Inf
	VMAXPS     Y4, Y1, Y1

maxdone:
	VMAXPS Y1, Y0, Y0
	VMAXPS Y3, Y2, Y2
	VMAXPS Y2, Y0, Y0
	HMAX(Y0, X0, X1)
	MOVSS  X0, ret+24(FP)
	VZEROUPPER
	RET

// func expShiftSumAVX2(dst, x []float32, shift, scale float32) float32
// dst[i] = e^((x[i]−shift)·scale); returns Σ dst[i] (two accumulators).
// The shift comes first so that the rounding of the argument is relative
// to x − shift (≤ 0 when shift is the max), not to x.
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-60
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS shift+48(FP), Y12
	VBROADCASTSS scale+52(FP), Y9
	EXP_INIT
	VXORPS       Y10, Y10, Y10
	VXORPS       Y11, Y11, Y11

ess16:
	CMPQ    CX, $16
	JLT     ess8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSUBPS  Y12, Y0, Y0
	VMULPS  Y9, Y0, Y0
	VSUBPS  Y12, Y1, Y1
	VMULPS  Y9, Y1, Y1
	EXP8(Y0, Y2, Y3)
	EXP8(Y1, Y4, Y5)
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VADDPS  Y0, Y10, Y10
	VADDPS  Y1, Y11, Y11
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     ess16

ess8:
	CMPQ    CX, $8
	JLT     esstail
	VMOVUPS (SI), Y0
	VSUBPS  Y12, Y0, Y0
	VMULPS  Y9, Y0, Y0
	EXP8(Y0, Y2, Y3)
	VMOVUPS Y0, (DI)
	VADDPS  Y0, Y10, Y10
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX

esstail:
	TESTQ      CX, CX
	JEQ        essdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y0
	VSUBPS     Y12, Y0, Y0
	VMULPS     Y9, Y0, Y0
	EXP8(Y0, Y2, Y3)
	VANDPS     Y6, Y0, Y0       // lanes past the end add nothing
	VMASKMOVPS Y0, Y6, (DI)
	VADDPS     Y0, Y11, Y11

essdone:
	VADDPS Y11, Y10, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, ret+56(FP)
	VZEROUPPER
	RET

// func sumExpShiftAVX2(x []float32, shift, scale float32) float32
// Returns Σ e^((x[i]−shift)·scale) without storing the terms.
TEXT ·sumExpShiftAVX2(SB), NOSPLIT, $0-36
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSS shift+24(FP), Y12
	VBROADCASTSS scale+28(FP), Y9
	EXP_INIT
	VXORPS       Y10, Y10, Y10
	VXORPS       Y11, Y11, Y11

ses16:
	CMPQ    CX, $16
	JLT     ses8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSUBPS  Y12, Y0, Y0
	VMULPS  Y9, Y0, Y0
	VSUBPS  Y12, Y1, Y1
	VMULPS  Y9, Y1, Y1
	EXP8(Y0, Y2, Y3)
	EXP8(Y1, Y4, Y5)
	VADDPS  Y0, Y10, Y10
	VADDPS  Y1, Y11, Y11
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     ses16

ses8:
	CMPQ    CX, $8
	JLT     sestail
	VMOVUPS (SI), Y0
	VSUBPS  Y12, Y0, Y0
	VMULPS  Y9, Y0, Y0
	EXP8(Y0, Y2, Y3)
	VADDPS  Y0, Y10, Y10
	ADDQ    $32, SI
	SUBQ    $8, CX

sestail:
	TESTQ      CX, CX
	JEQ        sesdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y0
	VSUBPS     Y12, Y0, Y0
	VMULPS     Y9, Y0, Y0
	EXP8(Y0, Y2, Y3)
	VANDPS     Y6, Y0, Y0
	VADDPS     Y0, Y11, Y11

sesdone:
	VADDPS Y11, Y10, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, ret+32(FP)
	VZEROUPPER
	RET

// func scaleAVX2(dst, x []float32, s float32)
// dst[i] = s·x[i].
TEXT ·scaleAVX2(SB), NOSPLIT, $0-52
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS s+48(FP), Y12

sc32:
	CMPQ    CX, $32
	JLT     sc8
	VMULPS  (SI), Y12, Y0
	VMULPS  32(SI), Y12, Y1
	VMULPS  64(SI), Y12, Y2
	VMULPS  96(SI), Y12, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     sc32

sc8:
	CMPQ    CX, $8
	JLT     sctail
	VMULPS  (SI), Y12, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     sc8

sctail:
	TESTQ      CX, CX
	JEQ        scdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y0
	VMULPS     Y12, Y0, Y0
	VMASKMOVPS Y0, Y6, (DI)

scdone:
	VZEROUPPER
	RET

// func subSubAVX2(dst, x []float32, a, b float32)
// dst[i] = (x[i] − a) − b: log-softmax's x − max − log Σ, subtracted in
// that order so that the large max cancels before the smaller log-sum.
TEXT ·subSubAVX2(SB), NOSPLIT, $0-56
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS a+48(FP), Y12
	VBROADCASTSS b+52(FP), Y11

ss32:
	CMPQ    CX, $32
	JLT     ss8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VSUBPS  Y12, Y0, Y0
	VSUBPS  Y12, Y1, Y1
	VSUBPS  Y12, Y2, Y2
	VSUBPS  Y12, Y3, Y3
	VSUBPS  Y11, Y0, Y0
	VSUBPS  Y11, Y1, Y1
	VSUBPS  Y11, Y2, Y2
	VSUBPS  Y11, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     ss32

ss8:
	CMPQ    CX, $8
	JLT     sstail
	VMOVUPS (SI), Y0
	VSUBPS  Y12, Y0, Y0
	VSUBPS  Y11, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     ss8

sstail:
	TESTQ      CX, CX
	JEQ        ssdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y0
	VSUBPS     Y12, Y0, Y0
	VSUBPS     Y11, Y0, Y0
	VMASKMOVPS Y0, Y6, (DI)

ssdone:
	VZEROUPPER
	RET
