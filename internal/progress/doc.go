// Package progress reports how far a long loop (pretraining steps, feature
// batches, epochs) has come.
//
// On a terminal it draws github.com/schollz/progressbar's animated bar.
// Anywhere else (a log file, a pipe, a CI console) a bar's carriage returns
// would leave one screen line per update glued together, thousands of them
// for a training run, so the same calls print plain lines instead: one each
// time the loop passes another tenth of its length (no closer together than
// MinGap, and at least every LogEvery), each with the count, the
// percentage, the elapsed time, an estimate of the time left and the latest
// description.
//
// A nil *Bar, and a Bar made for a nil writer, accept every call and print
// nothing, so library code can take an optional io.Writer and report
// unconditionally.
package progress
