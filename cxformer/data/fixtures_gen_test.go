package data

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/frame"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// go test ./cxformer/data -run TestGenerateFixtures -gen-fixtures rewrites the committed
// fixtures under testdata/data. The reference outputs that tests compare against are then
// regenerated with /usr/bin/python3 testdata/data/make_reference.py (OpenCV, Pillow,
// pydicom, numpy).
var genFixtures = flag.Bool("gen-fixtures", false, "regenerate testdata/data fixtures")

const fixtureDir = "../../testdata/data"

func TestGenerateFixtures(t *testing.T) {
	if !*genFixtures {
		t.Skip("fixture generation needs -gen-fixtures")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	w := func(rel string, b []byte) {
		p := filepath.Join(fixtureDir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// --- single images ---------------------------------------------------------------
	gray8 := fixtureGray(37, 29, rng)
	w("images/gray8.png", encodePNG(t, gray8))
	w("images/corrupt.png", encodePNG(t, gray8)[:60])
	garbage := make([]byte, 200)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	w("images/garbage.bin", garbage)
	g16 := image.NewGray16(image.Rect(0, 0, 31, 23))
	for y := 0; y < 23; y++ {
		for x := 0; x < 31; x++ {
			g16.SetGray16(x, y, color.Gray16{Y: uint16(100 + (x*97+y*53+rng.IntN(200))%3896)})
		}
	}
	w("images/gray16.png", encodePNG(t, g16))
	rgb := image.NewRGBA(image.Rect(0, 0, 19, 13))
	for i := 0; i < len(rgb.Pix); i += 4 {
		rgb.Pix[i], rgb.Pix[i+1], rgb.Pix[i+2], rgb.Pix[i+3] = byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), 255
	}
	w("images/rgb.png", encodePNG(t, rgb))
	rgba := image.NewNRGBA(image.Rect(0, 0, 9, 7))
	for i := range rgba.Pix {
		rgba.Pix[i] = byte(rng.IntN(256))
	}
	w("images/rgba.png", encodePNG(t, rgba))
	pal := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{
		color.RGBA{0, 0, 0, 255}, color.RGBA{200, 30, 90, 255}, color.RGBA{12, 250, 40, 255}, color.RGBA{255, 255, 255, 255},
	})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(rng.IntN(4))
	}
	w("images/palette.png", encodePNG(t, pal))
	w("images/gray.jpg", encodeJPEG(t, fixtureGray(40, 32, rng)))
	rgbJ := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 24; x++ {
			rgbJ.Set(x, y, color.RGBA{uint8(x * 10), uint8(y * 15), uint8((x + y) * 5), 255})
		}
	}
	w("images/rgb.jpg", encodeJPEG(t, rgbJ))

	// --- DICOM -------------------------------------------------------------------------
	ramp := func(wd, ht, lo, hi int, signed bool) []int {
		px := make([]int, wd*ht)
		for i := range px {
			x, y := i%wd, i/wd
			v := lo + (x*(hi-lo))/(wd-1)*(y+1)/ht + rng.IntN(max((hi-lo)/50, 1))
			v = min(max(v, lo), hi)
			if signed && v < 0 {
				v += 1 << 16 // two's complement in the 16-bit word
			}
			px[i] = v
		}
		return px
	}
	w("dicom/u16_window.dcm", writeDICOM(t, dicomSpec{W: 24, H: 20, Bits: 16, Stored: 12, Pixels: ramp(24, 20, 0, 4095, false),
		Photometric: "MONOCHROME2", Center: "2048", Width: "2000"}))
	w("dicom/mono1_u12.dcm", writeDICOM(t, dicomSpec{W: 22, H: 18, Bits: 16, Stored: 12, Pixels: ramp(22, 18, 300, 3800, false),
		Photometric: "MONOCHROME1"}))
	w("dicom/s16_rescale.dcm", writeDICOM(t, dicomSpec{W: 20, H: 16, Bits: 16, Stored: 16, Signed: true, Pixels: ramp(20, 16, -1500, 1500, true),
		Photometric: "MONOCHROME2", Slope: "2", Intercept: "-1024", Center: "-1000", Width: "3000", VOI: "LINEAR_EXACT"}))
	w("dicom/s12_sigmoid.dcm", writeDICOM(t, dicomSpec{W: 18, H: 14, Bits: 16, Stored: 12, Signed: true, Pixels: ramp(18, 14, -2048, 2047, true),
		Photometric: "MONOCHROME2", Center: "0", Width: "1500", VOI: "SIGMOID"}))
	w("dicom/u8.dcm", writeDICOM(t, dicomSpec{W: 16, H: 14, Bits: 8, Stored: 8, Pixels: ramp(16, 14, 20, 230, false), Photometric: "MONOCHROME2"}))
	w("dicom/nopixel.dcm", writeDICOM(t, dicomSpec{W: 16, H: 14, Bits: 16, Stored: 12, Photometric: "MONOCHROME2"}))

	// --- datasets ----------------------------------------------------------------------
	jpg := func() []byte { return encodeJPEG(t, fixtureGray(32, 32, rng)) }
	pngB := func() []byte { return encodePNG(t, fixtureGray(32, 32, rng)) }
	dcm := func() []byte {
		return writeDICOM(t, dicomSpec{W: 32, H: 32, Bits: 16, Stored: 12, Pixels: ramp(32, 32, 0, 4095, false), Photometric: "MONOCHROME2"})
	}
	const cx = "chexpert/CheXpert-v1.0-small/"
	w(cx+"train.csv", []byte(`Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices
CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,1.0,,,,,,,,,0.0,,,,1.0
CheXpert-v1.0-small/train/patient00002/study2/view1_frontal.jpg,Female,87,Frontal,AP,,,-1.0,1.0,,-1.0,-1.0,,-1.0,,-1.0,,1.0,
CheXpert-v1.0-small/train/patient00002/study1/view2_lateral.jpg,Female,83,Lateral,,,,,1.0,,,-1.0,,,,,,1.0,
CheXpert-v1.0-small/train/patient00003/study1/view1_frontal.jpg,Male,41,Frontal,PA,,,1.0,,,0.0,,,1.0,0.0,1.0,,,
`))
	w(cx+"valid.csv", []byte(`Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,Fracture,Support Devices
CheXpert-v1.0-small/valid/patient64541/study1/view1_frontal.jpg,Male,73,Frontal,AP,0.0,1.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0
CheXpert-v1.0-small/valid/patient64542/study1/view1_frontal.jpg,Male,70,Frontal,PA,0.0,0.0,0.0,1.0,0.0,1.0,0.0,0.0,1.0,0.0,1.0,0.0,0.0,0.0
`))
	for _, p := range []string{"train/patient00001/study1/view1_frontal.jpg", "train/patient00002/study2/view1_frontal.jpg",
		"train/patient00002/study1/view2_lateral.jpg", "train/patient00003/study1/view1_frontal.jpg",
		"valid/patient64541/study1/view1_frontal.jpg", "valid/patient64542/study1/view1_frontal.jpg"} {
		w(cx+p, jpg())
	}

	w("nih/Data_Entry_2017.csv", []byte(`Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],
00000001_000.png,Cardiomegaly,0,1,58,M,PA,2682,2749,0.143,0.143
00000001_001.png,Cardiomegaly|Emphysema,1,1,58,M,PA,2894,2729,0.143,0.143
00000002_000.png,No Finding,0,2,81,M,AP,2500,2048,0.171,0.171
00000003_000.png,Hernia|Infiltration|Pleural_Thickening,0,3,81,F,PA,2582,2991,0.143,0.143
`))
	w("nih/train_val_list.txt", []byte("00000001_000.png\n00000001_001.png\n00000003_000.png\n"))
	w("nih/test_list.txt", []byte("00000002_000.png\n"))
	w("nih/images_001/images/00000001_000.png", pngB())
	w("nih/images_001/images/00000001_001.png", pngB())
	w("nih/images_001/images/00000002_000.png", pngB())
	w("nih/images_002/images/00000003_000.png", pngB())

	w("rsna/stage_2_train_labels.csv", []byte(`patientId,x,y,width,height,Target
0004cfab-14fd-4e49-80ba-63a80b6bddd6,,,,,0
00436515-870c-4b36-a041-de91049b9ab4,264.0,152.0,213.0,379.0,1
00436515-870c-4b36-a041-de91049b9ab4,562.0,152.0,256.0,453.0,1
00322d4d-1c29-4943-afc9-b6754be640eb,,,,,0
`))
	for _, id := range []string{"0004cfab-14fd-4e49-80ba-63a80b6bddd6", "00436515-870c-4b36-a041-de91049b9ab4", "00322d4d-1c29-4943-afc9-b6754be640eb"} {
		w("rsna/stage_2_train_images/"+id+".dcm", dcm())
	}

	w("vindr/image_labels_train.csv", []byte(`image_id,rad_id,Aortic enlargement,Atelectasis,Cardiomegaly,Pleural effusion,No finding
000434271f63a053c4128a0ba6352c7f,R8,1,0,1,0,0
000434271f63a053c4128a0ba6352c7f,R9,1,0,0,0,0
000434271f63a053c4128a0ba6352c7f,R10,0,0,0,0,1
00053190460d56c53cc3e57321387478,R1,0,0,0,0,1
00053190460d56c53cc3e57321387478,R2,0,0,0,0,1
00053190460d56c53cc3e57321387478,R3,0,0,0,1,0
`))
	w("vindr/annotations_train.csv", []byte(`image_id,rad_id,class_name,x_min,y_min,x_max,y_max
000434271f63a053c4128a0ba6352c7f,R8,Aortic enlargement,1193.0,643.0,1355.0,823.0
000434271f63a053c4128a0ba6352c7f,R8,Cardiomegaly,850.0,1510.0,1967.0,1957.0
000434271f63a053c4128a0ba6352c7f,R9,Aortic enlargement,1191.0,650.0,1360.0,819.0
000434271f63a053c4128a0ba6352c7f,R10,No finding,,,,
00053190460d56c53cc3e57321387478,R1,No finding,,,,
00053190460d56c53cc3e57321387478,R2,No finding,,,,
00053190460d56c53cc3e57321387478,R3,Pleural effusion,300.0,1200.0,800.0,1900.0
`))
	w("vindr/image_labels_test.csv", []byte(`image_id,Aortic enlargement,Atelectasis,Cardiomegaly,Pleural effusion,No finding
002a34c58c5b758217ed1f584ccbcfe9,0,0,1,0,0
`))
	w("vindr/train/000434271f63a053c4128a0ba6352c7f.dicom", dcm())
	w("vindr/train/00053190460d56c53cc3e57321387478.dicom", dcm())
	w("vindr/test/002a34c58c5b758217ed1f584ccbcfe9.dicom", dcm())

	// CheXmask: ellipse masks on a 24x20 grid; the heart overlaps the left lung.
	mw, mh := 24, 20
	ellipse := func(cx, cy, rx, ry float64) []uint8 {
		m := make([]uint8, mw*mh)
		for y := 0; y < mh; y++ {
			for x := 0; x < mw; x++ {
				dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
				if dx*dx+dy*dy <= 1 {
					m[y*mw+x] = 1
				}
			}
		}
		return m
	}
	ll, rl, ht := EncodeRLE(ellipse(16, 9, 4, 7)), EncodeRLE(ellipse(7, 9, 4, 7)), EncodeRLE(ellipse(13, 14, 4, 3))
	dims := strconv.Itoa(mh) + "," + strconv.Itoa(mw)
	w("chexmask/chexmask.csv", []byte(`Image ID,Dice RCA (Max),Dice RCA (Mean),Landmarks,Left Lung,Right Lung,Heart,Height,Width
images/cm1.png,0.91,0.85,"[[1, 2], [3, 4]]",`+ll+`,`+rl+`,`+ht+`,`+dims+`
images/cm2.png,0.88,0.62,"[[5, 6]]",`+ll+`,`+rl+`,`+ht+`,`+dims+`
images/cm3.png,0.90,0.80,"[[7, 8]]",`+ll+`,`+rl+`,,`+dims+`
`))
	for _, n := range []string{"cm1", "cm2", "cm3"} {
		w("chexmask/images/"+n+".png", encodePNG(t, fixtureGray(mw, mh, rng)))
	}

	w("folder/labels.csv", []byte("path,Effusion,Nodule\na.png,1,0\nsub/b.jpg,0,\nc.png,1,1\nd.dcm,0,1\n"))
	w("folder/a.png", pngB())
	w("folder/sub/b.jpg", jpg())
	w("folder/c.png", pngB()[:40]) // corrupt on purpose
	w("folder/d.dcm", dcm())
}

// fixtureGray is a smooth gradient with a bright disc and noise: a crude radiograph.
func fixtureGray(w, h int, rng *rand.Rand) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 40 + 120*float64(x)/float64(w) + 60*float64(y)/float64(h)
			dx, dy := float64(x)-float64(w)/2, float64(y)-float64(h)/2
			if math.Hypot(dx, dy) < float64(min(w, h))/4 {
				v += 50
			}
			v += float64(rng.IntN(21) - 10)
			g.Pix[y*g.Stride+x] = uint8(min(max(v, 0), 255))
		}
	}
	return g
}

func encodePNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dicomSpec describes a small single-frame grayscale DICOM to write.
type dicomSpec struct {
	W, H, Bits, Stored int
	Signed             bool
	Pixels             []int // stored words (nil: no Pixel Data element)
	Photometric        string
	Center, Width      string
	Slope, Intercept   string
	VOI                string
}

// writeDICOM writes an explicit-VR little-endian DICOM file with the dicom library.
func writeDICOM(t testing.TB, s dicomSpec) []byte {
	el := func(tg tag.Tag, v any) *dicom.Element {
		e, err := dicom.NewElement(tg, v)
		if err != nil {
			t.Fatalf("DICOM element %v: %v", tg, err)
		}
		return e
	}
	pr := 0
	if s.Signed {
		pr = 1
	}
	elems := []*dicom.Element{
		el(tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.1.1"}),
		el(tag.MediaStorageSOPInstanceUID, []string{"1.2.826.0.1.3680043.8.498.1"}),
		el(tag.TransferSyntaxUID, []string{uid.ExplicitVRLittleEndian}),
		el(tag.SOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.1.1"}),
		el(tag.Modality, []string{"DX"}),
		el(tag.SamplesPerPixel, []int{1}),
		el(tag.PhotometricInterpretation, []string{s.Photometric}),
		el(tag.Rows, []int{s.H}),
		el(tag.Columns, []int{s.W}),
		el(tag.BitsAllocated, []int{s.Bits}),
		el(tag.BitsStored, []int{s.Stored}),
		el(tag.HighBit, []int{s.Stored - 1}),
		el(tag.PixelRepresentation, []int{pr}),
	}
	if s.Center != "" {
		elems = append(elems, el(tag.WindowCenter, []string{s.Center}), el(tag.WindowWidth, []string{s.Width}))
	}
	if s.Slope != "" {
		elems = append(elems, el(tag.RescaleIntercept, []string{s.Intercept}), el(tag.RescaleSlope, []string{s.Slope}))
	}
	if s.VOI != "" {
		elems = append(elems, el(tag.VOILUTFunction, []string{s.VOI}))
	}
	if s.Pixels != nil {
		data := make([][]int, len(s.Pixels))
		for i, v := range s.Pixels {
			data[i] = []int{v}
		}
		elems = append(elems, el(tag.PixelData, dicom.PixelDataInfo{Frames: []*frame.Frame{{
			NativeData: frame.NativeFrame{Data: data, Rows: s.H, Cols: s.W, BitsPerSample: s.Bits},
		}}}))
	}
	var b bytes.Buffer
	if err := dicom.Write(&b, dicom.Dataset{Elements: elems}); err != nil {
		t.Fatalf("write DICOM: %v", err)
	}
	return b.Bytes()
}
