#include "vecmath_amd64.h"

// func expAVX2(dst, x []float32)
//
// Two vectors per iteration (their dependency chains overlap), then one,
// then a masked partial vector.
TEXT ·expAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	EXP_INIT

loop16:
	CMPQ CX, $16
	JLT  loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	EXP8(Y0, Y2, Y3)
	EXP8(Y1, Y4, Y5)
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  loop16

loop8:
	CMPQ CX, $8
	JLT  tail
	VMOVUPS (SI), Y0
	EXP8(Y0, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX

tail:
	TESTQ CX, CX
	JEQ   done
	TAILMASK(CX, BX, AX, Y6)
	VMASKMOVPS (SI), Y6, Y0
	EXP8(Y0, Y2, Y3)
	VMASKMOVPS Y0, Y6, (DI)

done:
	VZEROUPPER
	RET
