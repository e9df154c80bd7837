#include "vecmath_amd64.h"

// Row pieces of LayerNorm (forward and backward) and the plain row sum.
// Sums run in two or four vector accumulators; tails are one masked vector
// whose dead lanes load as 0 (and are cleared where 0 would not add 0).

// func sumAVX2(x []float32) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-28
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

sum32:
	CMPQ   CX, $32
	JLT    sum8
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $32, CX
	JMP    sum32

sum8:
	CMPQ   CX, $8
	JLT    sumtail
	VADDPS (SI), Y0, Y0
	ADDQ   $32, SI
	SUBQ   $8, CX
	JMP    sum8

sumtail:
	TESTQ      CX, CX
	JEQ        sumdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y4
	VADDPS     Y4, Y1, Y1

sumdone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, ret+24(FP)
	VZEROUPPER
	RET

// func sumSqDevAVX2(x []float32, mean float32) float32
// Returns Σ (x[i] − mean)².
TEXT ·sumSqDevAVX2(SB), NOSPLIT, $0-36
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSS mean+24(FP), Y12
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3

ssd32:
	CMPQ        CX, $32
	JLT         ssd8
	VSUBPS      (SI), Y12, Y4     // mean − x: the sign is squared away
	VSUBPS      32(SI), Y12, Y5
	VSUBPS      64(SI), Y12, Y7
	VSUBPS      96(SI), Y12, Y8
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	VFMADD231PS Y7, Y7, Y2
	VFMADD231PS Y8, Y8, Y3
	ADDQ        $128, SI
	SUBQ        $32, CX
	JMP         ssd32

ssd8:
	CMPQ        CX, $8
	JLT         ssdtail
	VSUBPS      (SI), Y12, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ        $32, SI
	SUBQ        $8, CX
	JMP         ssd8

ssdtail:
	TESTQ       CX, CX
	JEQ         ssddone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS  (SI), Y6, Y4
	VSUBPS      Y4, Y12, Y4
	VANDPS      Y6, Y4, Y4
	VFMADD231PS Y4, Y4, Y1

ssddone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, ret+32(FP)
	VZEROUPPER
	RET

// func lnAffineAVX2(y, x, gamma, beta []float32, mean, rstd float32)
// y[i] = (x[i] − mean)·rstd·gamma[i] + beta[i].
TEXT ·lnAffineAVX2(SB), NOSPLIT, $0-104
	MOVQ         y_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	MOVQ         gamma_base+48(FP), R8
	MOVQ         beta_base+72(FP), R9
	VBROADCASTSS mean+96(FP), Y12
	VBROADCASTSS rstd+100(FP), Y11

aff16:
	CMPQ        CX, $16
	JLT         aff8
	VMOVUPS     (SI), Y0
	VMOVUPS     32(SI), Y1
	VSUBPS      Y12, Y0, Y0
	VSUBPS      Y12, Y1, Y1
	VMULPS      Y11, Y0, Y0
	VMULPS      Y11, Y1, Y1
	VMOVUPS     (R8), Y2
	VMOVUPS     32(R8), Y3
	VFMADD213PS (R9), Y2, Y0      // x̂·γ + β
	VFMADD213PS 32(R9), Y3, Y1
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	ADDQ        $64, R8
	ADDQ        $64, R9
	SUBQ        $16, CX
	JMP         aff16

aff8:
	CMPQ        CX, $8
	JLT         afftail
	VMOVUPS     (SI), Y0
	VSUBPS      Y12, Y0, Y0
	VMULPS      Y11, Y0, Y0
	VMOVUPS     (R8), Y2
	VFMADD213PS (R9), Y2, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, R8
	ADDQ        $32, R9
	SUBQ        $8, CX

afftail:
	TESTQ       CX, CX
	JEQ         affdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS  (SI), Y6, Y0
	VMASKMOVPS  (R8), Y6, Y2
	VMASKMOVPS  (R9), Y6, Y3
	VSUBPS      Y12, Y0, Y0
	VMULPS      Y11, Y0, Y0
	VFMADD213PS Y3, Y2, Y0
	VMASKMOVPS  Y0, Y6, (DI)

affdone:
	VZEROUPPER
	RET

// func lnBwdSumsAVX2(dy, x, gamma []float32, mean, rstd float32) (sg, sgx float32)
// With g = dy·γ and x̂ = (x − mean)·rstd: sg = Σ g, sgx = Σ g·x̂.
TEXT ·lnBwdSumsAVX2(SB), NOSPLIT, $0-88
	MOVQ         dy_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	MOVQ         gamma_base+48(FP), R8
	VBROADCASTSS mean+72(FP), Y12
	VBROADCASTSS rstd+76(FP), Y11
	VXORPS       Y8, Y8, Y8       // Σ g, two accumulators
	VXORPS       Y9, Y9, Y9
	VXORPS       Y10, Y10, Y10    // Σ g·x̂, two accumulators
	VXORPS       Y13, Y13, Y13

bs16:
	CMPQ        CX, $16
	JLT         bs8
	VMOVUPS     (DI), Y0
	VMOVUPS     32(DI), Y1
	VMULPS      (R8), Y0, Y0
	VMULPS      32(R8), Y1, Y1
	VMOVUPS     (SI), Y2
	VMOVUPS     32(SI), Y3
	VSUBPS      Y12, Y2, Y2
	VSUBPS      Y12, Y3, Y3
	VMULPS      Y11, Y2, Y2
	VMULPS      Y11, Y3, Y3
	VADDPS      Y0, Y8, Y8
	VADDPS      Y1, Y9, Y9
	VFMADD231PS Y2, Y0, Y10
	VFMADD231PS Y3, Y1, Y13
	ADDQ        $64, DI
	ADDQ        $64, SI
	ADDQ        $64, R8
	SUBQ        $16, CX
	JMP         bs16

bs8:
	CMPQ        CX, $8
	JLT         bstail
	VMOVUPS     (DI), Y0
	VMULPS      (R8), Y0, Y0
	VMOVUPS     (SI), Y2
	VSUBPS      Y12, Y2, Y2
	VMULPS      Y11, Y2, Y2
	VADDPS      Y0, Y8, Y8
	VFMADD231PS Y2, Y0, Y10
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	SUBQ        $8, CX

bstail:
	TESTQ       CX, CX
	JEQ         bsdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS  (DI), Y6, Y0      // dead lanes: g = 0, so they add 0
	VMASKMOVPS  (R8), Y6, Y1
	VMULPS      Y1, Y0, Y0
	VMASKMOVPS  (SI), Y6, Y2
	VSUBPS      Y12, Y2, Y2
	VMULPS      Y11, Y2, Y2
	VADDPS      Y0, Y9, Y9
	VFMADD231PS Y2, Y0, Y13

bsdone:
	VADDPS Y9, Y8, Y0
	HSUM(Y0, X0, X1)
	MOVSS  X0, sg+80(FP)
	VADDPS Y13, Y10, Y2
	HSUM(Y2, X2, X3)
	MOVSS  X2, sgx+84(FP)
	VZEROUPPER
	RET

// func lnBwdDxAVX2(dx, dy, x, gamma []float32, mean, rstd, a, b float32)
// dx[i] = rstd·(dy[i]·γ[i] − a − x̂[i]·b), x̂ = (x − mean)·rstd.
TEXT ·lnBwdDxAVX2(SB), NOSPLIT, $0-112
	MOVQ         dx_base+0(FP), DI
	MOVQ         dy_base+24(FP), DX
	MOVQ         x_base+48(FP), SI
	MOVQ         x_len+56(FP), CX
	MOVQ         gamma_base+72(FP), R8
	VBROADCASTSS mean+96(FP), Y12
	VBROADCASTSS rstd+100(FP), Y11
	VBROADCASTSS a+104(FP), Y10
	VBROADCASTSS b+108(FP), Y9

dx16:
	CMPQ         CX, $16
	JLT          dx8
	VMOVUPS      (SI), Y0
	VMOVUPS      32(SI), Y1
	VSUBPS       Y12, Y0, Y0
	VSUBPS       Y12, Y1, Y1
	VMULPS       Y11, Y0, Y0      // x̂
	VMULPS       Y11, Y1, Y1
	VMOVUPS      (DX), Y2
	VMOVUPS      32(DX), Y3
	VMULPS       (R8), Y2, Y2     // g
	VMULPS       32(R8), Y3, Y3
	VSUBPS       Y10, Y2, Y2      // g − a
	VSUBPS       Y10, Y3, Y3
	VFNMADD231PS Y9, Y0, Y2       // − x̂·b
	VFNMADD231PS Y9, Y1, Y3
	VMULPS       Y11, Y2, Y2
	VMULPS       Y11, Y3, Y3
	VMOVUPS      Y2, (DI)
	VMOVUPS      Y3, 32(DI)
	ADDQ         $64, SI
	ADDQ         $64, DX
	ADDQ         $64, DI
	ADDQ         $64, R8
	SUBQ         $16, CX
	JMP          dx16

dx8:
	CMPQ         CX, $8
	JLT          dxtail
	VMOVUPS      (SI), Y0
	VSUBPS       Y12, Y0, Y0
	VMULPS       Y11, Y0, Y0
	VMOVUPS      (DX), Y2
	VMULPS       (R8), Y2, Y2
	VSUBPS       Y10, Y2, Y2
	VFNMADD231PS Y9, Y0, Y2
	VMULPS       Y11, Y2, Y2
	VMOVUPS      Y2, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DX
	ADDQ         $32, DI
	ADDQ         $32, R8
	SUBQ         $8, CX

dxtail:
	TESTQ        CX, CX
	JEQ          dxdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS   (SI), Y6, Y0
	VSUBPS       Y12, Y0, Y0
	VMULPS       Y11, Y0, Y0
	VMASKMOVPS   (DX), Y6, Y2
	VMASKMOVPS   (R8), Y6, Y1
	VMULPS       Y1, Y2, Y2
	VSUBPS       Y10, Y2, Y2
	VFNMADD231PS Y9, Y0, Y2
	VMULPS       Y11, Y2, Y2
	VMASKMOVPS   Y2, Y6, (DI)

dxdone:
	VZEROUPPER
	RET

// func lnColAccAVX2(accG, accB, dy, x []float32, mean, rstd float32)
// One row's share of LayerNorm's parameter gradients:
// accG[i] += dy[i]·(x[i] − mean)·rstd, accB[i] += dy[i].
TEXT ·lnColAccAVX2(SB), NOSPLIT, $0-104
	MOVQ         accG_base+0(FP), DI
	MOVQ         accB_base+24(FP), DX
	MOVQ         dy_base+48(FP), R8
	MOVQ         x_base+72(FP), SI
	MOVQ         x_len+80(FP), CX
	VBROADCASTSS mean+96(FP), Y12
	VBROADCASTSS rstd+100(FP), Y11

ca16:
	CMPQ        CX, $16
	JLT         ca8
	VMOVUPS     (SI), Y0
	VMOVUPS     32(SI), Y1
	VSUBPS      Y12, Y0, Y0
	VSUBPS      Y12, Y1, Y1
	VMULPS      Y11, Y0, Y0
	VMULPS      Y11, Y1, Y1
	VMOVUPS     (R8), Y2
	VMOVUPS     32(R8), Y3
	VMOVUPS     (DI), Y4
	VMOVUPS     32(DI), Y5
	VFMADD231PS Y2, Y0, Y4
	VFMADD231PS Y3, Y1, Y5
	VMOVUPS     Y4, (DI)
	VMOVUPS     Y5, 32(DI)
	VADDPS      (DX), Y2, Y2
	VADDPS      32(DX), Y3, Y3
	VMOVUPS     Y2, (DX)
	VMOVUPS     Y3, 32(DX)
	ADDQ        $64, SI
	ADDQ        $64, R8
	ADDQ        $64, DI
	ADDQ        $64, DX
	SUBQ        $16, CX
	JMP         ca16

ca8:
	CMPQ        CX, $8
	JLT         catail
	VMOVUPS     (SI), Y0
	VSUBPS      Y12, Y0, Y0
	VMULPS      Y11, Y0, Y0
	VMOVUPS     (R8), Y2
	VMOVUPS     (DI), Y4
	VFMADD231PS Y2, Y0, Y4
	VMOVUPS     Y4, (DI)
	VADDPS      (DX), Y2, Y2
	VMOVUPS     Y2, (DX)
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, DI
	ADDQ        $32, DX
	SUBQ        $8, CX

catail:
	TESTQ       CX, CX
	JEQ         cadone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS  (SI), Y6, Y0
	VSUBPS      Y12, Y0, Y0
	VMULPS      Y11, Y0, Y0
	VMASKMOVPS  (R8), Y6, Y2
	VMASKMOVPS  (DI), Y6, Y4
	VFMADD231PS Y2, Y0, Y4
	VMASKMOVPS  Y4, Y6, (DI)
	VMASKMOVPS  (DX), Y6, Y3
	VADDPS      Y3, Y2, Y2
	VMASKMOVPS  Y2, Y6, (DX)

cadone:
	VZEROUPPER
	RET
