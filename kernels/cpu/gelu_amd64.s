#include "vecmath_amd64.h"

// GELU forward and backward, one vector per iteration (the PHI8 macro
// already keeps 9 registers busy), then a masked partial vector.

// func geluAVX2(dst, x []float32)
// dst[i] = x[i]·Φ(x[i]).
TEXT ·geluAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	EXP_INIT

gf8:
	CMPQ    CX, $8
	JLT     gftail
	VMOVUPS (SI), Y0
	PHI8(Y0, Y1, Y2, Y3, Y4, Y5, Y7)
	VMULPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     gf8

gftail:
	TESTQ      CX, CX
	JEQ        gfdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y0
	PHI8(Y0, Y1, Y2, Y3, Y4, Y5, Y7)
	VMULPS     Y1, Y0, Y0
	VMASKMOVPS Y0, Y6, (DI)

gfdone:
	VZEROUPPER
	RET

// func geluBwdAVX2(dx, x, dy []float32)
// dx[i] = dy[i]·(Φ(x[i]) + x[i]·φ(x[i])), φ(x) = e^{−x²/2}/√(2π).
TEXT ·geluBwdAVX2(SB), NOSPLIT, $0-72
	MOVQ dx_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	MOVQ dy_base+48(FP), DX
	EXP_INIT

gb8:
	CMPQ        CX, $8
	JLT         gbtail
	VMOVUPS     (SI), Y0
	PHI8(Y0, Y1, Y2, Y3, Y4, Y5, Y7)
	VMULPS      C_A0, Y2, Y2      // φ = e^{−x²/2}·(1/√(2π))
	VFMADD231PS Y2, Y0, Y1        // Φ + x·φ
	VMULPS      (DX), Y1, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         gb8

gbtail:
	TESTQ       CX, CX
	JEQ         gbdone
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS  (SI), Y6, Y0
	PHI8(Y0, Y1, Y2, Y3, Y4, Y5, Y7)
	VMULPS      C_A0, Y2, Y2
	VFMADD231PS Y2, Y0, Y1
	VMASKMOVPS  (DX), Y6, Y3
	VMULPS      Y3, Y1, Y1
	VMASKMOVPS  Y1, Y6, (DI)

gbdone:
	VZEROUPPER
	RET
