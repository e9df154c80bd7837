#include "textflag.h"

// accumF64AVX2: acc[j] += float64(row[j]) for j < len(acc), eight columns
// per iteration (two VCVTPS2PD of four floats each), then one at a time.
// Each column is one float64 addition per call, as in the pure-Go loop, so
// the sums are the same bit for bit.

// func accumF64AVX2(acc []float64, row []float32)
TEXT ·accumF64AVX2(SB), NOSPLIT, $0-48
	MOVQ acc_base+0(FP), DI
	MOVQ acc_len+8(FP), CX
	MOVQ row_base+24(FP), SI

acc8:
	CMPQ      CX, $8
	JLT       acc1
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VADDPD    (DI), Y0, Y0
	VADDPD    32(DI), Y1, Y1
	VMOVUPD   Y0, (DI)
	VMOVUPD   Y1, 32(DI)
	ADDQ      $32, SI
	ADDQ      $64, DI
	SUBQ      $8, CX
	JMP       acc8

acc1:
	TESTQ    CX, CX
	JEQ      accdone
	MOVSS    (SI), X0
	CVTSS2SD X0, X0
	ADDSD    (DI), X0
	MOVSD    X0, (DI)
	ADDQ     $4, SI
	ADDQ     $8, DI
	DECQ     CX
	JMP      acc1

accdone:
	VZEROUPPER
	RET
