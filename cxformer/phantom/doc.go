// Package phantom draws synthetic frontal (PA) chest radiographs with known
// findings and exact segmentation masks: the embedded default data set of
// gocx, used by the demo, the tests and the benchmarks when no real chest
// X-rays are at hand.
//
// Every image is drawn from a per-patient parameter set: body outline and
// soft tissue, two lungs with branching vessel markings that thin out toward
// the periphery, heart, mediastinum with trachea and aortic knob, spine,
// posterior and anterior ribs, clavicles, humeral heads, diaphragm domes,
// gastric bubble, low-frequency texture, film grain and quantum noise. Size,
// position, shape, contrast and noise vary from patient to patient.
//
// Five findings are drawn from known parameters, each present independently
// with a configurable prevalence (Config):
//
//   - Cardiomegaly: the cardiothoracic ratio (CTR), maximal horizontal heart
//     width over maximal inner thoracic width (between the lateral lung
//     borders), is drawn from (0.50, 0.62] when present and [0.38, 0.50)
//     otherwise, and the heart is scaled to that ratio exactly; the label is
//     CTR > 0.5.
//   - Pleural effusion: fluid fills the lung base up to a meniscus that rises
//     toward the lateral chest wall (concave upward), blunting the
//     costophrenic angle and hiding the diaphragm beneath it.
//   - Consolidation: a patchy, lobulated opacity inside one lung, limited by
//     the lung borders, with dark branching air bronchograms inside.
//   - Pneumothorax: a thin bright visceral pleural line runs parallel to the
//     lateral chest wall and the apex; lateral to it the hemithorax is darker
//     and has no lung markings.
//   - Nodule: a small round opacity of 5 to 30 pixels diameter at 256 px.
//
// Orientation convention: images are displayed as radiographs are read, as
// if facing the patient, so the patient's right is on the image's left. The
// heart therefore bulges to the image's right, the gastric bubble lies under
// the image-right hemidiaphragm and the image-left hemidiaphragm (patient's
// right) is the higher one. Side values (Right, Left) and mask classes name
// the patient's side: ClassLeftLung (1) is the lung on the image's right.
//
// Masks are anatomical and exact: they are rasterised, at pixel centres,
// from the same geometry as the picture. Lung masks cover the lung fields
// bounded by the chest wall, the mediastinum, the heart and the diaphragm,
// and are not changed by findings (an effusion or pneumothorax does not
// shrink them), which is how lung-field annotations such as CheXmask are
// drawn; the heart mask is the cardiac silhouette down to the diaphragm. Class
// values follow spec §9.4: 0 background, 1 left lung, 2 right lung, 3 heart.
//
// Generation is deterministic: a sample depends only on (seed, index, size,
// Config), never on the order or the number of goroutines that draw it, and
// the geometry and labels of a patient do not depend on the size, so the
// same (seed, index) gives the same patient at every resolution. (Labels are
// identical on every platform; a few pixels may differ by one grey level
// between architectures whose compilers fuse multiply-adds differently.)
// Each part of a patient draws from its own random stream, so switching one
// finding on or off through Config leaves the rest of the picture unchanged. Geometry is
// stored in normalised image coordinates: x and y in [0, 1] from the
// top-left corner, multiply by Size for pixels.
package phantom
