use super::*;

#[test]
fn garbage_is_not_an_image() {
    assert_eq!(
        decode_qr(b"not an image", DEFAULT_BUDGET).unwrap_err(),
        ScanError::NotImage
    );
    assert_eq!(
        decode_qr(&[], DEFAULT_BUDGET).unwrap_err(),
        ScanError::NotImage
    );
}

#[test]
fn blank_image_has_no_qr() {
    let img = GrayImage::from_pixel(300, 200, image::Luma([255]));
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(
        decode_qr(&png, Duration::from_secs(2)).unwrap_err(),
        ScanError::NoQr
    );
}
